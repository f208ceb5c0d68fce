using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Placement;
using VSwarm.Tests.Cluster.Etcd;
using Xunit;
using Xunit.Abstractions;

namespace VSwarm.Tests.Cluster.MultiProcess;

/// <summary>
/// Three real `vswarm node` processes on a real etcd, six bridges with rules: kill one node by
/// pid, its bridges come up elsewhere within lease TTL + 2 s with every committed rule and moving
/// counters; restart it, the bridges rebalance; from the nodes' activation records no bridge was
/// ever active on two nodes at once. The bridges are patch-linked in pairs chosen so that placement
/// splits them over nodes: frames cross node links (the peers' patch rx in their status grows)
/// before the kill and again after failover. The shared secret comes from VSWARM_NODE__SECRET.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class MultiProcessFailoverTests(EtcdFixture etcd, ITestOutputHelper output) : IDisposable
{
    private const int LeaseTtlMs = 2000;
    private static readonly string[] Bridges = ["br0", "br1", "br2", "br3", "br4", "br5"];
    private static readonly string[] Names = ["n1", "n2", "n3"];
    private readonly Dictionary<string, NodeProcess> _nodes = [];
    private readonly List<NodeProcess> _dead = [];
    private readonly Dictionary<string, long> _killedAt = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("vswarm-mp-").FullName;

    public void Dispose()
    {
        foreach (var n in _nodes.Values.Concat(_dead))
        {
            n.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private EtcdCoordinationStore Store => new EtcdCoordinationStore(etcd.Client);

    [Fact]
    public async Task Killed_node_fails_over_with_its_rules_and_rebalances_on_restart_never_active_twice()
    {
        await etcd.Client.DeleteAsync(ClusterKeys.Root, prefix: true);
        var config = Path.Combine(_dir, "vswarm.json");
        var peers = PairAcrossNodes();
        var bridgesJson = string.Join(",", Bridges.Select(b => $$"""{ "name": "{{b}}", "ports": [ { "ofport": 1, "ifindex": 1 }, { "ofport": 2, "ifindex": 2 } ], "links": [ { "ofport": 2, "peerBridge": "{{peers[b]}}", "peerOfport": 2 } ] }"""));
        await File.WriteAllTextAsync(config, $$"""{ "node": { "leaseTtlMs": {{LeaseTtlMs}}, "statusIntervalMs": 250, "trafficPacketsPerTick": 16, "cluster": "mp-test" }, "bridges": [ {{bridgesJson}} ] }""");
        var ports = Names.ToDictionary(n => n, _ => FreePort());
        foreach (var n in Names)
        {
            Start(n, ports[n], config);
        }

        // Rules, committed through etcd as `vswarm ofctl` does (a node seeds the configs first).
        var durable = new DurableBridgeStore(Store);
        await Until(async () => (await durable.ListBridgesAsync()).Count == Bridges.Length, "bridge configs seeded", TimeSpan.FromSeconds(20));
        var committed = new Dictionary<string, (string Text, long Rev)>();
        foreach (var b in Bridges)
        {
            // In from the peer: drop (no ping-pong over the patch link); udp to the peer; tcp dropped; the rest out of port 1.
            var commit = await durable.CommitAsync(b, FlowModText.ParseAddFlows("priority=20,in_port=2 actions=drop\npriority=10,udp actions=output:2\npriority=5,tcp actions=drop\npriority=0 actions=output:1\n"));
            Assert.True(commit.Committed, commit.Error);
            committed[b] = await durable.GetFlowsAsync(b);
        }

        // Every bridge owned by its rendezvous choice, running every rule, with moving counters.
        await Until(async () => await PlacedAndRunning(Names, committed), "initial placement", TimeSpan.FromSeconds(20));
        await Until(async () => await CrossNodeTraffic(Names, peers), "frames cross node links", TimeSpan.FromSeconds(10));
        Assert.All(_nodes.Values, n => Assert.Contains(n.Lines, l => l.Contains("link up:", StringComparison.Ordinal)));

        // Crash the owner of br0.
        var victim = (await Claims())["br0"].Owner.Node;
        var moved = (await Claims()).Values.Where(c => c.Owner.Node == victim).Select(c => c.Bridge).ToList();
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _nodes[victim].Kill();
        _killedAt[victim] = killedAt;
        _dead.Add(_nodes[victim]);
        _nodes.Remove(victim);
        var survivors = Names.Where(n => n != victim).ToArray();
        await Until(() => Task.FromResult(moved.All(b => Activations().Any(r => r.Activated && r.Bridge == b && r.Node != victim && r.AtMs >= killedAt))),
            "failover", TimeSpan.FromMilliseconds(LeaseTtlMs + 2000) + TimeSpan.FromSeconds(1));
        foreach (var b in moved)
        {
            var failover = Activations().Where(r => r.Activated && r.Bridge == b && r.Node != victim && r.AtMs >= killedAt).Min(r => r.AtMs) - killedAt;
            output.WriteLine($"failover of {b} from {victim}: {failover} ms (lease TTL {LeaseTtlMs} ms)");
            Assert.True(failover <= LeaseTtlMs + 2000, $"{b} took {failover} ms to fail over");
        }

        await Until(async () => await PlacedAndRunning(survivors, committed), "rules and traffic on the heirs", TimeSpan.FromSeconds(10));
        await Until(async () => await CrossNodeTraffic(survivors, peers), "frames cross node links after failover", TimeSpan.FromSeconds(10));

        // Restart: the same name, a new incarnation; bridges rebalance back.
        Start(victim, ports[victim], config);
        await Until(async () => await PlacedAndRunning(Names, committed), "rebalance after restart", TimeSpan.FromSeconds(20));

        foreach (var n in _nodes.Values)
        {
            Assert.True(n.Terminate(TimeSpan.FromSeconds(15)), $"{n.Name} did not stop on SIGTERM");
        }

        // Never active twice: the activity intervals of different tokens of one bridge do not overlap.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var intervals = ActivationRecord.Intervals(Activations(), n => _killedAt.GetValueOrDefault(n, now));
        foreach (var g in intervals.GroupBy(i => i.Bridge))
        {
            var ordered = g.OrderBy(i => i.From).ToList();
            for (var k = 1; k < ordered.Count; k++)
            {
                Assert.True(ordered[k].From >= ordered[k - 1].To,
                    $"{g.Key} active on {ordered[k].Node} (token {ordered[k].Token}) from {ordered[k].From} while on {ordered[k - 1].Node} (token {ordered[k - 1].Token}) until {ordered[k - 1].To}");
                Assert.True(ordered[k].Token > ordered[k - 1].Token, $"{g.Key}: fencing token did not grow");
            }
        }

        Assert.Contains(intervals, i => i.Node == victim && i.To == _killedAt[victim]);
    }

    private void Start(string name, int port, string config) =>
        _nodes[name] = new NodeProcess(name, $"127.0.0.1:{port}", etcd.Endpoint, config, new Dictionary<string, string> { ["VSWARM_NODE__SECRET"] = "a secret shared by the mp-test nodes" });

    /// <summary>
    /// Pairs the bridges so that as many pairs as possible are split by placement over all three
    /// nodes and over the two that survive the kill of br0's owner; fails when no pair would cross.
    /// </summary>
    private static Dictionary<string, string> PairAcrossNodes()
    {
        var victim = Rendezvous.Owner("br0", Names)!;
        var survivors = Names.Where(n => n != victim).ToList();
        bool Split(string a, string b, IReadOnlyCollection<string> live) => Rendezvous.Owner(a, live) != Rendezvous.Owner(b, live);
        var best = new Dictionary<string, string>();
        var bestScore = -1;
        foreach (var pairing in Pairings(Bridges.ToList()))
        {
            var score = pairing.Count(p => Split(p.A, p.B, Names)) * 10 + pairing.Count(p => Split(p.A, p.B, survivors));
            if (pairing.Any(p => Split(p.A, p.B, Names)) && pairing.Any(p => Split(p.A, p.B, survivors)) && score > bestScore)
            {
                bestScore = score;
                best = pairing.SelectMany(p => new[] { (p.A, p.B), (p.B, p.A) }).ToDictionary(x => x.Item1, x => x.Item2);
            }
        }

        Assert.True(bestScore >= 0, "no pairing of the bridges crosses nodes before and after the kill");
        return best;
    }

    private static IEnumerable<List<(string A, string B)>> Pairings(List<string> items)
    {
        if (items.Count == 0)
        {
            yield return [];
            yield break;
        }

        for (var k = 1; k < items.Count; k++)
        {
            var rest = items.Where((_, i) => i != 0 && i != k).ToList();
            foreach (var tail in Pairings(rest))
            {
                yield return [(items[0], items[k]), .. tail];
            }
        }
    }

    /// <summary>Every linked pair split over <paramref name="live"/> shows patch rx on both owners' current status records.</summary>
    private async Task<bool> CrossNodeTraffic(string[] live, Dictionary<string, string> peers)
    {
        var claims = await Claims();
        var status = (await Store.RangeAsync(ClusterKeys.Status, prefix: true)).Kvs
            .Select(kv => BridgeStatusRecord.TryParse(kv.Value)).OfType<BridgeStatusRecord>().ToList();
        var split = Bridges.Where(b => Rendezvous.Owner(b, live) != Rendezvous.Owner(peers[b], live)).ToList();
        Assert.NotEmpty(split);
        foreach (var b in split)
        {
            if (!claims.TryGetValue(b, out var claim) || claim.Owner.Node != Rendezvous.Owner(b, live))
            {
                return false;
            }

            var st = status.FirstOrDefault(s => s.Bridge == b && s.Node == claim.Owner.Node && s.Token == claim.Token);
            if (st is null || st.PatchRx == 0)
            {
                return false;
            }
        }

        output.WriteLine($"cross-node patch rx over {string.Join(",", live)}: " + string.Join(", ", split.Select(b => $"{b}<-{peers[b]}")));
        return true;
    }

    private IEnumerable<ActivationRecord> Activations() =>
        ActivationRecord.Parse(_nodes.Values.Concat(_dead).SelectMany(n => n.Lines));

    private async Task<Dictionary<string, BridgeClaim>> Claims()
    {
        var r = await Store.RangeAsync(ClusterKeys.Bridges, prefix: true);
        return r.Kvs.Where(kv => kv.Key.EndsWith("/owner", StringComparison.Ordinal))
            .Select(kv => (Ok: ClusterKeys.TryParseBridgeKey(kv.Key, out var b, out _), b, Owner: OwnerRecord.TryParse(kv.Value), kv.CreateRevision))
            .Where(x => x.Owner is not null)
            .ToDictionary(x => x.b, x => new BridgeClaim(x.b, x.Owner!, x.CreateRevision));
    }

    /// <summary>Each bridge claimed by its HRW choice among <paramref name="live"/>, whose status shows every committed rule and packets.</summary>
    private async Task<bool> PlacedAndRunning(string[] live, Dictionary<string, (string Text, long Rev)> committed)
    {
        var claims = await Claims();
        var status = (await Store.RangeAsync(ClusterKeys.Status, prefix: true)).Kvs
            .Select(kv => BridgeStatusRecord.TryParse(kv.Value)).OfType<BridgeStatusRecord>().ToList();
        foreach (var b in Bridges)
        {
            if (!claims.TryGetValue(b, out var claim) || claim.Owner.Node != Rendezvous.Owner(b, live))
            {
                return false;
            }

            var st = status.FirstOrDefault(s => s.Bridge == b && s.Node == claim.Owner.Node && s.Token == claim.Token);
            if (st is null || st.RulesRevision != committed[b].Rev || st.Rules != 4 || st.Packets == 0)
            {
                return false;
            }
        }

        return true;
    }

    private async Task Until(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_nodes.Values.FirstOrDefault(n => n.HasExited) is { } exited)
            {
                Assert.Fail($"{what}: node {exited.Name} exited:\n{string.Join("\n", exited.Lines.TakeLast(20))}");
            }

            if (await condition())
            {
                output.WriteLine($"{what}: {sw.ElapsedMilliseconds} ms");
                return;
            }

            await Task.Delay(50);
        }

        foreach (var n in _nodes.Values.Concat(_dead))
        {
            output.WriteLine($"--- {n.Name} (pid {n.Pid})");
            foreach (var l in n.Lines.TakeLast(40))
            {
                output.WriteLine(l);
            }
        }

        Assert.Fail($"{what}: not reached within {timeout.TotalSeconds} s");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
