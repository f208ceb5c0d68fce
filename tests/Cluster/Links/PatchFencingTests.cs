using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

/// <summary>
/// <see cref="BridgeHostActor"/> on its own: patch frames from other nodes reach the local peer
/// unless their fencing token is older than the newest claim known for the sending bridge, and
/// frames for peers elsewhere go to the links with the sender's token.
/// </summary>
public sealed class PatchFencingTests : IAsyncLifetime
{
    private readonly ActorSystem _sys = ActorSystem.Create("n1");
    private readonly Links _links = new();
    private IActorRef _host = null!;

    public async Task InitializeAsync()
    {
        _host = _sys.ActorOf(Props.Create(() => new BridgeHostActor(_links, null)), BridgeHostActor.Name);
        var br1 = new BridgeOptions
        {
            Name = "br1",
            Ports = [new PortOptions { Ofport = 1, Ifindex = 1 }, new PortOptions { Ofport = 2, Ifindex = 2 }],
            Links = [new LinkOptions { Ofport = 2, PeerBridge = "br9", PeerOfport = 5 }],
        };
        await _host.Ask<IActorRef>(new StartBridge(br1, 11), TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync() => await _sys.Terminate();

    private Task<PatchCounters> Counters() => _host.Ask<PatchCounters>(GetPatchCounters.Instance, TimeSpan.FromSeconds(5));

    private static RemotePatchPackets From(string bridge, long token, int frames, string peer = "br1") =>
        new(bridge, token, peer, 2, [.. Enumerable.Range(0, frames).Select(i => new byte[64])]);

    [Fact]
    public async Task Frames_with_the_newest_token_reach_the_local_peer()
    {
        _links.Newest["br9"] = 40;
        _host.Tell(From("br9", 40, 3), ActorRefs.NoSender);
        var c = await Counters();
        Assert.Equal((3L, 0L, 0L), (c.ReceivedRemote, c.Fenced, c.Undeliverable));
    }

    [Fact]
    public async Task Frames_older_than_the_newest_known_claim_are_fenced()
    {
        _links.Newest["br9"] = 40;
        _host.Tell(From("br9", 39, 4), ActorRefs.NoSender);
        _host.Tell(From("br9", 41, 1), ActorRefs.NoSender); // a newer claim not yet seen by the directory is fine
        var c = await Counters();
        Assert.Equal((1L, 4L), (c.ReceivedRemote, c.Fenced));
    }

    [Fact]
    public async Task Once_a_newer_token_arrived_the_older_sender_is_fenced_even_without_the_directory()
    {
        _host.Tell(From("br9", 50, 2), ActorRefs.NoSender);
        _host.Tell(From("br9", 30, 5), ActorRefs.NoSender);
        _host.Tell(From("br9", 50, 1), ActorRefs.NoSender);
        var c = await Counters();
        Assert.Equal((3L, 5L), (c.ReceivedRemote, c.Fenced));
    }

    [Fact]
    public async Task Frames_for_a_peer_not_active_here_are_undeliverable()
    {
        _host.Tell(From("br9", 1, 2, peer: "br7"), ActorRefs.NoSender);
        var c = await Counters();
        Assert.Equal((0L, 2L), (c.ReceivedRemote, c.Undeliverable));
    }

    [Fact]
    public async Task Frames_out_of_a_patch_port_go_to_the_links_with_the_senders_token()
    {
        _links.Answers.Enqueue(true);
        _links.Answers.Enqueue(false);
        _host.Tell(new PacketsOut("br1", 2, 2, 128, [new byte[64], new byte[64]]), ActorRefs.NoSender);
        _host.Tell(new PacketsOut("br1", 2, 3, 192, [new byte[64], new byte[64], new byte[64]]), ActorRefs.NoSender);
        var c = await Counters();
        Assert.Equal((2L, 3L), (c.SentRemote, c.Undeliverable));
        Assert.Equal(2, _links.Calls.Count);
        Assert.All(_links.Calls, call => Assert.Equal(("br9", 5, 11L), (call.Peer, call.Port, call.Token)));
    }

    [Fact]
    public void Delivered_and_fenced_match_a_model_of_the_newest_token_for_any_sequence() =>
        Prop.ForAll(VSwarm.Tests.Cluster.Remoting.FrameGen.Arb(r =>
            (Directory: (long)r.Next(0, 6), Batches: Enumerable.Range(0, r.Next(1, 30)).Select(_ => (Token: (long)r.Next(1, 10), Count: r.Next(1, 4))).ToList())), t =>
        {
            var links = new Links();
            links.Newest["br9"] = t.Directory;
            var host = _sys.ActorOf(Props.Create(() => new BridgeHostActor(links, null)));
            var br1 = new BridgeOptions { Name = "br1", Ports = [new PortOptions { Ofport = 1, Ifindex = 1 }, new PortOptions { Ofport = 2, Ifindex = 2 }] };
            host.Ask<IActorRef>(new StartBridge(br1, 1), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            long newest = t.Directory, delivered = 0, fenced = 0;
            foreach (var (token, count) in t.Batches)
            {
                host.Tell(From("br9", token, count), ActorRefs.NoSender);
                if (token < newest)
                {
                    fenced += count;
                }
                else
                {
                    newest = token;
                    delivered += count;
                }
            }

            var c = host.Ask<PatchCounters>(GetPatchCounters.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            _sys.Stop(host);
            Assert.Equal((delivered, fenced), (c.ReceivedRemote, c.Fenced));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(50));

    /// <summary>A links double: records what it is handed, answers from settable state.</summary>
    private sealed class Links : IRemoteLinks
    {
        public ConcurrentDictionary<string, long> Newest { get; } = new();

        public ConcurrentQueue<(string Peer, int Port, long Token)> Calls { get; } = new();

        /// <summary>What the next calls answer, in order (false once empty).</summary>
        public ConcurrentQueue<bool> Answers { get; } = new();

        public bool TryDeliver(PacketsOut packets, string peerBridge, int peerPort, long fencingToken)
        {
            Calls.Enqueue((peerBridge, peerPort, fencingToken));
            return Answers.TryDequeue(out var ok) && ok;
        }

        public long NewestToken(string bridge) => Newest.TryGetValue(bridge, out var t) ? t : 0;
    }
}
