using VSwarm.Cluster.Node;
using VSwarm.Cluster.Placement;
using VSwarm.Tests.Cluster.Harness;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

/// <summary>
/// Two patch-linked bridges on different nodes of an in-process cluster (<see cref="LinkedCluster"/>):
/// frames cross the node link, a blackholed link makes them undeliverable until it heals, the peer
/// fails over to a new owner and traffic reaches it there, and an old owner's late frames are fenced.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the cluster through IAsyncLifetime.DisposeAsync")]
public sealed class CrossNodePatchTests : IAsyncLifetime
{
    private static readonly string[] Three = ["n1", "n2", "n3"];
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);
    private LinkedCluster _cluster = null!;

    public Task InitializeAsync()
    {
        _cluster = new LinkedCluster();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>The first pair of bridge names (br0..br99) that <paramref name="ok"/> accepts.</summary>
    private static (string A, string B) Pick(Func<string, string, bool> ok)
    {
        var names = Enumerable.Range(0, 100).Select(i => $"br{i}").ToList();
        foreach (var a in names)
        {
            foreach (var b in names.Where(b => b != a && ok(a, b)))
            {
                return (a, b);
            }
        }

        throw new InvalidOperationException("no such pair of bridge names");
    }

    private Task<PatchCounters> Counters(string node) => _cluster[node].PatchCountersAsync();

    private async Task<long> Rx(string bridge) => await _cluster.RxAsync(bridge, 2) ?? -1;

    [Fact]
    public async Task Frames_cross_nodes_stop_while_the_link_is_blackholed_and_reach_the_peer_on_its_new_owner()
    {
        var (a, b) = Pick((a, b) =>
        {
            var oa = Rendezvous.Owner(a, Three);
            var ob = Rendezvous.Owner(b, Three);
            return oa != ob && Rendezvous.Owner(b, Three.Where(n => n != ob).ToList()) != oa;
        });
        var ownerA = Rendezvous.Owner(a, Three)!;
        var ownerB = Rendezvous.Owner(b, Three)!;
        await _cluster.AddLinkedPairAsync(a, b);
        foreach (var n in Three)
        {
            await _cluster.StartAsync(n);
        }

        await _cluster.AdvanceUntilAsync(() => _cluster.OwnerOf(a)?.Name == ownerA && _cluster.OwnerOf(b)?.Name == ownerB, Settle, "bridges placed");
        await _cluster.AdvanceUntilAsync(async () => await Rx(b) > 0 && await Rx(a) > 0, Settle, "frames cross the link both ways");
        var sent = await Counters(ownerA);
        var received = await Counters(ownerB);
        Assert.True(sent.SentRemote > 0);
        Assert.True(received.ReceivedRemote > 0);
        Assert.Equal(0, received.Fenced);

        // Blackhole: the link goes down (heartbeats missed); packets for the peer are undeliverable and none arrive.
        _cluster.Net.Blackhole(ownerA, ownerB);
        await _cluster.AdvanceUntilAsync(() => !_cluster[ownerA].Links!.IsUp(ownerB) && !_cluster[ownerB].Links!.IsUp(ownerA), Settle, "link down");
        var undeliverable = (await Counters(ownerA)).Undeliverable;
        var rxDown = await Rx(b);
        await _cluster.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.True((await Counters(ownerA)).Undeliverable > undeliverable);
        Assert.Equal(rxDown, await Rx(b));

        // Heal: the link is redialed and frames flow again.
        _cluster.Net.Heal(ownerA, ownerB);
        await _cluster.AdvanceUntilAsync(async () => await Rx(b) > rxDown, Settle, "traffic after heal");

        // Crash the peer's owner: the peer fails over, and frames reach it on its new owner.
        var oldToken = _cluster[ownerB].Host.Bridges[b].Token;
        var heir = Rendezvous.Owner(b, Three.Where(n => n != ownerB).ToList())!;
        await _cluster.CrashAsync(ownerB);
        await _cluster.AdvanceUntilAsync(() => _cluster.OwnerOf(b)?.Name == heir, Settle, "peer failed over");
        Assert.True(_cluster[heir].Host.Bridges[b].Token > oldToken);
        await _cluster.AdvanceUntilAsync(async () => await Rx(b) > 0, Settle, "traffic to the new owner");
        Assert.True((await Counters(heir)).ReceivedRemote > 0);
        Assert.Equal(ownerA, _cluster.OwnerOf(a)?.Name);
    }

    [Fact]
    public async Task Late_frames_of_an_old_owner_are_fenced_once_the_bridge_runs_elsewhere()
    {
        string[] two = ["n1", "n2"];
        var (a, b) = Pick((a, b) =>
            Rendezvous.Owner(a, Three) == "n3" && Rendezvous.Owner(b, Three) != "n3"
            && Rendezvous.Owner(a, two) != Rendezvous.Owner(b, two));
        var oldOwner = Rendezvous.Owner(a, two)!;
        var peerOwner = Rendezvous.Owner(b, two)!;
        await _cluster.AddLinkedPairAsync(a, b);
        foreach (var n in two)
        {
            await _cluster.StartAsync(n);
        }

        await _cluster.AdvanceUntilAsync(() => _cluster.OwnerOf(a)?.Name == oldOwner && _cluster.OwnerOf(b)?.Name == peerOwner, Settle, "bridges placed");
        await _cluster.AdvanceUntilAsync(async () => await Rx(b) > 0, Settle, "frames cross the link");

        // The old owner's frames to the peer now take 2 s (a slow path); then n3 joins and takes the bridge over.
        _cluster.Net.Delay(oldOwner, peerOwner, TimeSpan.FromSeconds(2), bothWays: false);
        await _cluster.AdvanceAsync(TimeSpan.FromSeconds(2.5));
        Assert.Equal(0, (await Counters(peerOwner)).Fenced);
        await _cluster.StartAsync("n3");
        await _cluster.AdvanceUntilAsync(() => _cluster.OwnerOf(a)?.Name == "n3", Settle, "handoff to n3");

        // Frames the old instance sent before it stopped arrive after the new claim: fenced, while the new owner's frames pass.
        await _cluster.AdvanceUntilAsync(async () => (await Counters(peerOwner)).Fenced > 0, Settle, "late frames fenced");
        var before = (await Counters(peerOwner)).ReceivedRemote;
        await _cluster.AdvanceUntilAsync(async () => (await Counters(peerOwner)).ReceivedRemote > before && (await Counters("n3")).SentRemote > 0, Settle, "the new owner's frames pass");
        Assert.True((await Counters(oldOwner)).SentRemote > 0);
    }
}
