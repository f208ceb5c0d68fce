using VSwarm.Cluster.Remoting;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Scenarios.Cluster;

/// <summary>Remote DeathWatch across node links, on the in-memory network and virtual time (issue 8 follow-up).</summary>
public class RemoteWatchScenarios : NodeLinkKit
{
    private IActorRef StartEcho(string node, string name = "echo") =>
        SystemOf(node).ActorOf(Props.Create(() => new Echo(node, null)), name);

    /// <summary>Two linked nodes, an echo on b, and a's ref to it.</summary>
    private IActorRef TwoNodesWithEchoOnB()
    {
        AddNode("a");
        AddNode("b");
        StartEcho("b");
        LinkAndWait("a", "b");
        return Node("a").Resolve("b", "/user/echo");
    }

    /// <summary>Watches <paramref name="remote"/> from the TestActor and waits until b holds the watch.</summary>
    private async Task WatchAndSettleAsync(IActorRef remote, int expectedOnB = 1)
    {
        Watch(remote);
        await SettleAsync();
        AwaitCondition(() => Node("b").RemoteWatcherCount == expectedOnB, TimeSpan.FromSeconds(5));
        await SettleAsync(); // b's remote-watcher actor has watched the echo
    }

    [Fact]
    public async Task A_remote_actor_that_stops_yields_Terminated_with_existence_confirmed()
    {
        var echo = TwoNodesWithEchoOnB();
        await WatchAndSettleAsync(echo);
        Assert.Equal(1, Node("a").RemoteWatchCount);

        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        var t = ExpectTerminated(echo);
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);
        Assert.IsType<RemoteActorRef>(t.ActorRef);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AwaitCondition(() => Node("b").RemoteWatcherCount == 0 && Node("a").RemoteWatchCount == 0, TimeSpan.FromSeconds(5));
        Assert.True(Node("a").IsUp("b"), "a remote stop does not touch the link");
    }

    [Fact]
    public async Task Every_watcher_of_the_remote_actor_is_notified()
    {
        var echo = TwoNodesWithEchoOnB();
        var other = CreateTestProbe();
        other.Watch(echo);
        await WatchAndSettleAsync(echo, expectedOnB: 2);

        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        Assert.True(ExpectTerminated(echo).ExistenceConfirmed);
        Assert.True(other.ExpectTerminated(echo).ExistenceConfirmed);
    }

    [Fact]
    public async Task After_Unwatch_no_Terminated_arrives_and_the_remote_side_forgets_the_watcher()
    {
        var echo = TwoNodesWithEchoOnB();
        await WatchAndSettleAsync(echo);

        Unwatch(echo);
        await SettleAsync();
        AwaitCondition(() => Node("b").RemoteWatcherCount == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(0, Node("a").RemoteWatchCount);

        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Watching_a_path_with_no_actor_yields_Terminated_without_existence_confirmed()
    {
        TwoNodesWithEchoOnB();
        var missing = Node("a").Resolve("b", "/user/nobody-here");
        Watch(missing);
        await SettleAsync();
        var t = ExpectTerminated(missing);
        Assert.False(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);
        Assert.Equal(0, Node("b").RemoteWatcherCount);
        Assert.Equal(0, Node("a").RemoteWatchCount);
    }

    [Fact]
    public async Task A_blackhole_until_heartbeats_fail_yields_one_AddressTerminated_and_both_sides_forget()
    {
        var echo = TwoNodesWithEchoOnB();
        await WatchAndSettleAsync(echo);
        var downAtB = Events<LinkDown>("b");

        await AdvanceAsync(TimeSpan.FromSeconds(3)); // heartbeats flow: nothing happens
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Net.Blackhole("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(2.5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100), "3 missed heartbeats are needed");
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        var t = ExpectTerminated(echo);
        Assert.False(t.ExistenceConfirmed);
        Assert.True(t.AddressTerminated);
        Assert.Equal("a", downAtB.ExpectMsg<LinkDown>().Node);
        Assert.Equal(0, Node("a").RemoteWatchCount);
        AwaitCondition(() => Node("b").RemoteWatcherCount == 0, TimeSpan.FromSeconds(5));

        // The link comes back as a fresh association: the old watch is gone (no second Terminated),
        // a new watch works as before.
        var up = Events<LinkUp>("a");
        Net.Heal("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        up.ExpectMsg<LinkUp>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        await WatchAndSettleAsync(echo);
        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        var again = ExpectTerminated(echo);
        Assert.True(again.ExistenceConfirmed);
        Assert.False(again.AddressTerminated);
    }

    [Fact]
    public async Task A_peer_that_never_saw_the_link_go_down_forgets_the_ended_watches_when_it_comes_back()
    {
        AddNode("a");
        AddNode("b", Settings() with { MissedHeartbeats = 60 }); // b would notice the silence only after 60 s
        StartEcho("b");
        LinkAndWait("a", "b");
        var echo = Node("a").Resolve("b", "/user/echo");
        await WatchAndSettleAsync(echo);
        var downAtB = Events<LinkDown>("b");
        var upAtA = Events<LinkUp>("a");

        Net.Blackhole("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(4.5));
        Assert.True(ExpectTerminated(echo).AddressTerminated);
        Assert.Equal(1, Node("b").RemoteWatcherCount); // b still believes in the old link

        Net.Heal("a", "b");
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        upAtA.ExpectMsg<LinkUp>();
        downAtB.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the new connection replaced the old one at b
        AwaitCondition(() => Node("b").RemoteWatcherCount == 0, TimeSpan.FromSeconds(5));

        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_crashed_node_ends_the_watches_of_its_actors_at_once()
    {
        var echo = TwoNodesWithEchoOnB();
        await WatchAndSettleAsync(echo);
        Net.Crash("b");
        Assert.True(ExpectTerminated(echo).AddressTerminated);
        Assert.Equal(0, Node("a").RemoteWatchCount);
    }

    [Fact]
    public async Task Removing_the_peer_ends_the_watches_with_AddressTerminated()
    {
        var echo = TwoNodesWithEchoOnB();
        await WatchAndSettleAsync(echo);
        Node("a").RemovePeer("b");
        var t = ExpectTerminated(echo);
        Assert.True(t.AddressTerminated);
        Assert.False(t.ExistenceConfirmed);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Watching_a_ref_on_an_unknown_node_yields_AddressTerminated_at_once()
    {
        AddNode("a");
        var stranger = Node("a").Resolve("nowhere", "/user/x");
        Watch(stranger);
        var t = ExpectTerminated(stranger);
        Assert.True(t.AddressTerminated);
        Assert.Equal(0, Node("a").RemoteWatchCount);
    }

    [Fact]
    public async Task A_watcher_that_stops_is_unwatched_on_the_remote_node()
    {
        var echo = TwoNodesWithEchoOnB();
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(echo)), "watcher");
        await SettleAsync();
        AwaitCondition(() => Node("b").RemoteWatcherCount == 1, TimeSpan.FromSeconds(5));

        Sys.Stop(watcher);
        await SettleAsync();
        AwaitCondition(() => Node("b").RemoteWatcherCount == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(0, Node("a").RemoteWatchCount);
    }

    [Fact]
    public async Task WatchWith_delivers_the_custom_message_for_a_remote_death()
    {
        var echo = TwoNodesWithEchoOnB();
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(echo, TestActor)), "watcher");
        await SettleAsync();
        AwaitCondition(() => Node("b").RemoteWatcherCount == 1, TimeSpan.FromSeconds(5));
        await SettleAsync();

        SystemOf("b").Stop(SystemOf("b").ResolveActorRef(new ActorPath("b", ["user", "echo"])));
        Assert.Equal("echo died", ExpectMsg<string>());
        Assert.False(watcher.IsTerminated());
    }

    /// <summary>Watches <paramref name="target"/> from PreStart; with a report ref, uses WatchWith and forwards the custom message.</summary>
    private sealed class Watcher : ReceiveActor
    {
        private readonly IActorRef _target;
        private readonly IActorRef? _report;

        public Watcher(IActorRef target, IActorRef? report = null)
        {
            _target = target;
            _report = report;
            Receive<string>(s => _report?.Tell(s, Self));
        }

        protected override void PreStart()
        {
            if (_report is null)
            {
                Context.Watch(_target);
            }
            else
            {
                Context.WatchWith(_target, "echo died");
            }
        }
    }
}
