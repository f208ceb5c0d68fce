using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using Xunit;

namespace VSwarm.Tests.Scenarios.Cluster;

/// <summary>Node links on the in-memory transport and virtual time (issue 8).</summary>
public class NodeLinkScenarios : NodeLinkKit
{
    private IActorRef StartEcho(string node, IActorRef? report = null) =>
        SystemOf(node).ActorOf(Props.Create(() => new Echo(node, report)), "echo");

    [Fact]
    public void Tell_across_nodes_keeps_order_and_the_sender_is_a_remote_ref_to_reply_to()
    {
        AddNode("a");
        AddNode("b");
        var seen = CreateTestProbe();
        StartEcho("b", seen.Ref());
        LinkAndWait("a", "b");

        var echo = Node("a").Resolve("b", "/user/echo");
        Assert.IsType<RemoteActorRef>(echo);
        Assert.Equal("vswarm://b/user/echo", echo.Path.ToString());
        for (var i = 0; i < 500; i++)
        {
            echo.Tell(new ClusterPing(i), TestActor);
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(new ClusterPong(i, "b"), ExpectMsg<ClusterPong>());
        }

        var first = seen.ExpectMsg<Seen>();
        Assert.Equal(0, first.Id);
        Assert.IsType<RemoteActorRef>(first.Sender);
        Assert.Equal(TestActor.Path.ToString(), first.Sender.Path.ToString());
        Assert.Equal(500, Node("a").Stats("b").Sent);
        Assert.Equal(500, Node("b").Stats("a").Received);
    }

    [Fact]
    public async Task Ask_and_ActorSelection_reach_the_remote_actor_and_replies_come_back_to_the_temp_ref()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");

        var meta = default(FlowKey);
        meta.InPort = 3;
        var execute = new DpifExecute(new ByteBlob(new byte[64]), meta, new DpActions([new OutputAction(2)]));
        var reply = await Node("a").Resolve("b", "/user/echo").Ask<DpifReply>(execute, TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(64UL, reply.Stats!.Value.Bytes);

        Sys.ActorSelection("vswarm://b/user/echo").Tell(new ClusterPing(9), TestActor);
        Assert.Equal(new ClusterPong(9, "b"), ExpectMsg<ClusterPong>());
    }

    [Fact]
    public async Task Both_nodes_dial_at_once_and_end_up_with_one_connection()
    {
        AddNode("a");
        AddNode("b");
        AddNode("c");
        StartEcho("a", TestActor);
        StartEcho("c", TestActor);
        LinkAndWait("b", "a");
        LinkAndWait("b", "c");
        await SettleAsync();
        AwaitCondition(() => Net.OpenConnections == 2, TimeSpan.FromSeconds(10));
        Node("b").Resolve("a", "/user/echo").Tell(new ClusterPing(2), ActorRefs.Nobody);
        Node("b").Resolve("c", "/user/echo").Tell(new ClusterPing(3), ActorRefs.Nobody);
        Assert.Equal([2L, 3L], ReceiveN(2).Cast<Seen>().Select(s => s.Id).Order());
        Assert.Equal(2, Net.OpenConnections);
    }

    [Fact]
    public void Handshakes_refuse_unknown_nodes_wrong_clusters_and_wrong_secrets()
    {
        AddNode("a");
        AddNode("b");
        AddNode("x", Settings(cluster: "other"));
        AddNode("y", Settings(secret: "not the secret of the sim cluster"));
        AddNode("z");
        var refusedAtA = Events<LinkRefused>("a");
        var refusedAtX = Events<LinkRefused>("x");
        var refusedAtY = Events<LinkRefused>("y");
        var refusedAtZ = Events<LinkRefused>("z");
        var upAtA = Events<LinkUp>("a");

        Node("a").SetPeer("x", "x");
        Node("x").SetPeer("a", "a");
        AssertReason(refusedAtX, "wrong cluster: other");

        Node("y").SetPeer("a", "a");
        Node("a").SetPeer("y", "y");
        AssertReason(refusedAtY, "authentication failed");

        Node("z").SetPeer("a", "a"); // a does not know z
        AssertReason(refusedAtZ, "unknown node z");
        AssertReason(refusedAtA, "unknown node z");

        upAtA.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(Node("a").IsUp("x") || Node("a").IsUp("y") || Node("a").IsUp("z"));

        // Messages to an unreachable node go to dead letters on the sending node and are counted.
        var dead = Events<DeadLetter>("z");
        Node("z").Resolve("a", "/user/echo").Tell(new ClusterPing(5), ActorRefs.Nobody);
        Assert.Equal(new ClusterPing(5), dead.ExpectMsg<DeadLetter>().Message);
        Assert.True(Node("z").Stats("a").Undelivered >= 1);
    }

    private static void AssertReason(VSwarm.TestKit.TestProbe probe, string reason)
    {
        var all = probe.ReceiveWhile<LinkRefused>(_ => true, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
        Assert.True(all.Any(r => r.Reason.Contains(reason, StringComparison.Ordinal)), string.Join(" | ", all));
    }

    [Fact]
    public async Task A_blackhole_fails_the_heartbeats_then_the_link_comes_back_when_it_heals()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        var downAtA = Events<LinkDown>("a");
        var downAtB = Events<LinkDown>("b");
        var upAtA = Events<LinkUp>("a");

        await AdvanceAsync(TimeSpan.FromSeconds(5)); // heartbeats flow: the link stays up
        downAtA.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.True(Node("a").IsUp("b"));

        Net.Blackhole("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(2.5));
        Assert.True(Node("a").IsUp("b"), "3 missed heartbeats are needed");
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Contains("heartbeats missed", downAtA.ExpectMsg<LinkDown>().Reason, StringComparison.Ordinal);
        Assert.Equal("a", downAtB.ExpectMsg<LinkDown>().Node);

        var dead = Events<DeadLetter>("a");
        Node("a").Resolve("b", "/user/echo").Tell(new ClusterPing(1), TestActor);
        Assert.Equal(new ClusterPing(1), dead.ExpectMsg<DeadLetter>().Message);

        await AdvanceAsync(TimeSpan.FromSeconds(6)); // redials fail into the blackhole (handshake timeouts)
        upAtA.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Net.Heal("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("b", upAtA.ExpectMsg<LinkUp>().Node);
        Node("a").Resolve("b", "/user/echo").Tell(new ClusterPing(2), TestActor);
        Assert.Equal(new ClusterPong(2, "b"), ExpectMsg<ClusterPong>());
    }

    [Fact]
    public async Task A_delay_holds_frames_for_that_virtual_time_and_keeps_their_order()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        Net.Delay("a", "b", TimeSpan.FromMilliseconds(800), bothWays: false);

        var echo = Node("a").Resolve("b", "/user/echo");
        for (var i = 0; i < 20; i++)
        {
            echo.Tell(new ClusterPing(i), TestActor);
        }

        await AdvanceAsync(TimeSpan.FromMilliseconds(700));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        await AdvanceAsync(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, ExpectMsg<ClusterPong>().Id);
        }

        Assert.True(Node("a").IsUp("b"));
    }

    [Fact]
    public async Task Dropped_frames_lose_messages_but_never_reorder_them()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        Net.Drop("a", "b", 0.3, bothWays: false);

        var echo = Node("a").Resolve("b", "/user/echo");
        for (var i = 0; i < 300; i++)
        {
            echo.Tell(new ClusterPing(i), TestActor);
        }

        await SettleAsync();
        var got = ReceiveWhile<ClusterPong>(_ => true, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(300)).Select(p => p.Id).ToList();
        Assert.InRange(got.Count, 150, 270);
        Assert.Equal(got.Order().ToList(), got);
        Assert.Equal(got.Count, got.Distinct().Count());
        Assert.True(Net.DroppedFrames >= 300 - got.Count);
    }

    [Fact]
    public async Task A_crashed_node_is_seen_at_once_and_its_messages_go_to_dead_letters()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        var down = Events<LinkDown>("a");
        var dead = Events<DeadLetter>("a");

        Net.Crash("b");
        Assert.Equal("b", down.ExpectMsg<LinkDown>().Node);
        Node("a").Resolve("b", "/user/echo").Tell(new ClusterPing(1), TestActor);
        Assert.Equal(new ClusterPing(1), dead.ExpectMsg<DeadLetter>().Message);
        Assert.Equal(1, Node("a").Stats("b").Undelivered);

        // Redials fail while b is down; after a restart b is reachable again.
        await AdvanceAsync(TimeSpan.FromSeconds(3));
        Assert.False(Node("a").IsUp("b"));
    }

    [Fact]
    public void A_message_type_outside_the_registry_is_not_sent()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        var dead = Events<DeadLetter>("a");
        Node("a").Resolve("b", "/user/echo").Tell("a plain string", TestActor);
        Assert.Equal("a plain string", dead.ExpectMsg<DeadLetter>().Message);
        Node("a").Resolve("b", "/user/echo").Tell(new ClusterPing(4), TestActor);
        Assert.Equal(new ClusterPong(4, "b"), ExpectMsg<ClusterPong>());
    }
}
