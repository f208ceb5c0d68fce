using System.Text;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Cluster.Transport.InMemory;
using VSwarm.Messages.Dpif;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Cluster;

/// <summary>
/// Several nodes in one process on the TestKit's virtual clock: node "a" is the TestKit's own
/// system, the others are extra systems sharing its scheduler; links run over an
/// <see cref="InMemoryNetwork"/> with fault injection. <see cref="Advance"/> moves virtual time
/// in steps and waits between steps until the network and the send queues are quiet, so
/// heartbeats are exchanged as they would be on a live network.
/// </summary>
public abstract class NodeLinkKit : TestKit.TestKit
{
    private readonly Dictionary<string, (ActorSystem System, NodeLinks NodeLinks)> _nodes = new(StringComparer.Ordinal);

    protected NodeLinkKit()
        : base(new TestKitSettings { VirtualTime = true, SystemName = "a" })
    {
        Net = new InMemoryNetwork(Scheduler, seed: 7);
    }

    protected InMemoryNetwork Net { get; }

    protected static RemotingSettings Settings(string cluster = "sim", string secret = "a shared secret of the sim cluster") => new()
    {
        ClusterName = cluster,
        SharedSecret = Encoding.UTF8.GetBytes(secret),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        MissedHeartbeats = 3,
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        ReconnectMin = TimeSpan.FromMilliseconds(500),
        ReconnectMax = TimeSpan.FromSeconds(2),
        RandomSeed = 1,
    };

    protected NodeLinks Node(string name) => _nodes[name].NodeLinks;

    protected ActorSystem SystemOf(string name) => _nodes[name].System;

    /// <summary>Starts node <paramref name="name"/> (its system is named after it) listening on the network.</summary>
    protected NodeLinks AddNode(string name, RemotingSettings? settings = null)
    {
        var sys = name == Sys.Name ? Sys : ActorSystem.Create(name, new ActorSystemOptions { Scheduler = Scheduler });
        var remoting = new NodeLinks(sys, settings ?? Settings(), Net.TransportFor(name));
        remoting.StartAsync(name).GetAwaiter().GetResult();
        _nodes[name] = (sys, remoting);
        return remoting;
    }

    /// <summary>Makes the two nodes known to each other; both dial at once (the tie-break decides).</summary>
    protected void Link(string x, string y)
    {
        Node(x).SetPeer(y, y, dial: false);
        Node(y).SetPeer(x, x, dial: false);
        Node(x).Connect(y);
        Node(y).Connect(x);
    }

    /// <summary>A probe subscribed to <typeparamref name="T"/> on the node's EventStream.</summary>
    protected TestProbe Events<T>(string node)
    {
        var probe = CreateTestProbe();
        SystemOf(node).EventStream.Subscribe(probe.Ref(), typeof(T));
        return probe;
    }

    /// <summary>Links x and y and waits until both report LinkUp.</summary>
    protected void LinkAndWait(string x, string y)
    {
        var ex = Events<LinkUp>(x);
        var ey = Events<LinkUp>(y);
        Link(x, y);
        Assert.Equal(y, ex.ExpectMsg<LinkUp>().Node);
        Assert.Equal(x, ey.ExpectMsg<LinkUp>().Node);
    }

    /// <summary>Waits (real time, without blocking a pool thread) until no frame is in flight or queued.</summary>
    protected async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        await Task.Delay(1); // let work queued by timers (redials, failing links) start
        while (!(Net.IsQuiet && _nodes.Values.All(n => n.NodeLinks.IsIdle) && ThreadPool.PendingWorkItemCount == 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("the network did not become quiet within 10 s");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>Advances virtual time by <paramref name="total"/> in steps, settling the network between steps.</summary>
    protected async Task AdvanceAsync(TimeSpan total, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromMilliseconds(100);
        for (var done = TimeSpan.Zero; done < total; done += s)
        {
            await SettleAsync();
            AdvanceTime(s);
        }

        await SettleAsync();
    }

    protected override void AfterAll()
    {
        foreach (var (sys, remoting) in _nodes.Values)
        {
            remoting.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            if (!ReferenceEquals(sys, Sys))
            {
                sys.Terminate().Wait(TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>What an echo actor saw: the ping's id and the sender it arrived with.</summary>
    public sealed record Seen(long Id, IActorRef Sender);

    /// <summary>Answers pings with pongs and dpif executes with a reply; reports each ping's sender to <paramref name="report"/>.</summary>
    public sealed class Echo : ReceiveActor
    {
        public Echo(string node, IActorRef? report)
        {
            Receive<ClusterPing>(p =>
            {
                report?.Tell(new Seen(p.Id, Sender), ActorRefs.Nobody);
                Sender.Tell(new ClusterPong(p.Id, node));
            });
            Receive<DpifExecute>(e => Sender.Tell(new DpifReply(0, new VSwarm.Messages.Datapath.FlowStats(1, (ulong)e.Packet.Count, null, 0))));
        }
    }
}

internal static class ProbeExtensions
{
    /// <summary>The probe's ref (TestProbe's TestActor).</summary>
    public static IActorRef Ref(this TestProbe probe) => probe.TestActor;
}
