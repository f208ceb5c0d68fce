using System.Text;
using System.Buffers;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Cluster.Transport.Kestrel;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using Xunit;

namespace VSwarm.Tests.Cluster.Remoting;

/// <summary>Two ActorSystems in one process linked by real TCP on loopback: Kestrel listens, sockets dial.</summary>
public sealed class KestrelLinkTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly List<(ActorSystem System, NodeLinks NodeLinks)> _nodes = [];

    private static RemotingSettings Settings(string secret = "loopback secret, 32 bytes long..") => new()
    {
        ClusterName = "loop",
        SharedSecret = Encoding.UTF8.GetBytes(secret),
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        MissedHeartbeats = 20,
        ReconnectMin = TimeSpan.FromMilliseconds(100),
        ReconnectMax = TimeSpan.FromSeconds(1),
    };

    private async Task<NodeLinks> StartNode(string name, RemotingSettings? settings = null)
    {
        var sys = ActorSystem.Create(name);
        var remoting = new NodeLinks(sys, settings ?? Settings(), new KestrelLinkTransport());
        await remoting.StartAsync("127.0.0.1:0");
        _nodes.Add((sys, remoting));
        return remoting;
    }

    private static Task<T> Next<T>(ActorSystem sys, Func<T, bool>? match = null)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? sub = null;
        sub = sys.EventStream.Subscribe<T>(e =>
        {
            if (match is null || match(e))
            {
                tcs.TrySetResult(e);
            }
        });
        return tcs.Task.WaitAsync(Wait).ContinueWith(t => { sub.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
    }

    private sealed class DatapathStub : ReceiveActor
    {
        public DatapathStub()
        {
            Receive<DpifExecute>(e => Sender.Tell(new DpifReply(0, new FlowStats(1, (ulong)e.Packet.Count, null, 0))));
            Receive<ClusterPing>(p => Sender.Tell(new ClusterPong(p.Id, Sender.Path.SystemName)));
        }
    }

    [Fact]
    public async Task A_dpif_execute_goes_over_tcp_and_the_reply_comes_back()
    {
        var a = await StartNode("node-a");
        var b = await StartNode("node-b");
        b.System.ActorOf(Props.Create(() => new DatapathStub()), "dp");
        var upA = Next<LinkUp>(a.System);
        var upB = Next<LinkUp>(b.System);
        a.SetPeer("node-b", b.ListenAddress!, dial: false);
        b.SetPeer("node-a", a.ListenAddress!, dial: false);
        a.Connect("node-b");
        Assert.Equal("node-b", (await upA).Node);
        Assert.Equal("node-a", (await upB).Node);

        var meta = default(FlowKey);
        meta.InPort = 1;
        var execute = new DpifExecute(new ByteBlob(new byte[98]), meta, new DpActions([new OutputAction(2)]));
        var reply = await a.Resolve("node-b", "/user/dp").Ask<DpifReply>(execute, Wait);
        Assert.Equal(98UL, reply.Stats!.Value.Bytes);

        // The receiver sees the sender as a ref on node-a and can answer it.
        var pong = await a.Resolve("node-b", "/user/dp").Ask<ClusterPong>(new ClusterPing(7), Wait);
        Assert.Equal(new ClusterPong(7, "node-a"), pong);

        // Many messages keep their order over the one connection.
        var collector = new TaskCompletionSource<List<long>>();
        var got = new List<long>();
        var sink = a.System.ActorOf(Props.Create(() => new Sink(got, 1000, collector)), "sink");
        var dp = a.Resolve("node-b", "/user/dp");
        for (var i = 0; i < 1000; i++)
        {
            dp.Tell(new ClusterPing(i), sink);
        }

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), await collector.Task.WaitAsync(Wait));
        Assert.Equal(0, a.Stats("node-b").Undelivered);
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(List<long> got, int expected, TaskCompletionSource<List<long>> done) =>
            Receive<ClusterPong>(p =>
            {
                got.Add(p.Id);
                if (got.Count == expected)
                {
                    done.TrySetResult(got);
                }
            });
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_and_messages_go_to_dead_letters()
    {
        var a = await StartNode("node-a");
        var c = await StartNode("node-c", Settings(secret: "some other secret of 32 bytes..."));
        var refusedAtC = Next<LinkRefused>(c.System);
        var refusedAtA = Next<LinkRefused>(a.System);
        a.SetPeer("node-c", c.ListenAddress!, dial: false);
        c.SetPeer("node-a", a.ListenAddress!, dial: false);
        c.Connect("node-a");
        Assert.Equal("authentication failed", (await refusedAtC).Reason);
        Assert.Equal("authentication failed", (await refusedAtA).Reason);
        Assert.False(c.IsUp("node-a"));

        var dead = Next<DeadLetter>(c.System);
        c.Resolve("node-a", "/user/anyone").Tell(new ClusterPing(1), ActorRefs.Nobody);
        Assert.Equal(new ClusterPing(1), (await dead).Message);
        Assert.True(c.Stats("node-a").Undelivered >= 1);
    }

    [Fact]
    public async Task Bad_bytes_on_the_port_are_answered_with_a_refusal_naming_the_problem()
    {
        var a = await StartNode("node-a");
        var transport = new KestrelLinkTransport();
        await using var raw = await transport.ConnectAsync(a.ListenAddress!);
        var junk = new byte[16];
        BitConverter.TryWriteBytes(junk, 16u);
        BitConverter.TryWriteBytes(junk.AsSpan(4), (ushort)0x4242);
        await raw.Output.WriteAsync(junk);
        var read = await raw.Input.ReadAsync().AsTask().WaitAsync(Wait);
        var frame = VSwarm.Cluster.Remoting.Wire.LinkFrameCodec.Decode(read.Buffer.Slice(0, BitConverter.ToInt32(read.Buffer.FirstSpan)).ToArray());
        var refuse = Assert.IsType<VSwarm.Cluster.Remoting.Wire.RefuseFrame>(frame);
        Assert.Contains("unknown frame type 0x4242", refuse.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_actor_watched_over_tcp_yields_Terminated_when_it_stops_then_the_link_loss_ends_the_rest()
    {
        var a = await StartNode("node-a");
        var b = await StartNode("node-b");
        var dp = b.System.ActorOf(Props.Create(() => new DatapathStub()), "dp");
        b.System.ActorOf(Props.Create(() => new DatapathStub()), "dp2");
        var upA = Next<LinkUp>(a.System);
        a.SetPeer("node-b", b.ListenAddress!, dial: false);
        b.SetPeer("node-a", a.ListenAddress!, dial: false);
        a.Connect("node-b");
        await upA;

        var first = new TaskCompletionSource<Terminated>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<Terminated>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.System.ActorOf(Props.Create(() => new TerminatedProbe(a.Resolve("node-b", "/user/dp"), first)), "w1");
        a.System.ActorOf(Props.Create(() => new TerminatedProbe(a.Resolve("node-b", "/user/dp2"), second)), "w2");
        await Until(() => b.RemoteWatcherCount == 2);
        await Task.Delay(100); // b's remote-watcher actor takes up the watches

        b.System.Stop(dp);
        var t = await first.Task.WaitAsync(Wait);
        Assert.Equal("vswarm://node-b/user/dp", t.ActorRef.Path.ToString());
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);

        // node-b goes away: the other watch ends with AddressTerminated.
        await b.DisposeAsync();
        var t2 = await second.Task.WaitAsync(Wait);
        Assert.True(t2.AddressTerminated);
        Assert.False(t2.ExistenceConfirmed);
        Assert.Equal(0, a.RemoteWatchCount);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    /// <summary>Watches a ref from PreStart and completes the task with its Terminated.</summary>
    private sealed class TerminatedProbe : ReceiveActor
    {
        private readonly IActorRef _target;

        public TerminatedProbe(IActorRef target, TaskCompletionSource<Terminated> done)
        {
            _target = target;
            Receive<Terminated>(t => done.TrySetResult(t));
        }

        protected override void PreStart() => Context.Watch(_target);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (sys, remoting) in _nodes)
        {
            await remoting.DisposeAsync();
            await sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
