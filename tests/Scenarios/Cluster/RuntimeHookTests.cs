using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Scenarios.Cluster;

/// <summary>The Runtime's hooks for refs of other nodes, without any link.</summary>
public class RuntimeHookTests : TestKit.TestKit
{
    private sealed class Replier : ReceiveActor
    {
        public Replier() => ReceiveAny(m => Sender.Tell(m));
    }

    /// <summary>A ref "on another node" that answers every Tell by telling the sender back.</summary>
    private sealed class LoopbackRef(ActorPath path, ActorSystem system) : ExternalActorRef(path, 0, system)
    {
        public List<object> Told { get; } = [];

        public override void Tell(object message, IActorRef? sender)
        {
            Told.Add(message);
            sender?.Tell("echo:" + message, this);
        }
    }

    [Fact]
    public async Task Paths_resolve_to_live_local_actors_and_to_pending_ask_temp_refs()
    {
        var a = Sys.ActorOf(Props.Create(() => new Replier()), "a");
        Assert.True(Sys.TryResolveLocal(a.Path, out var found));
        Assert.Equal(a, found);
        Assert.Equal(a, Sys.ResolveActorRef(ActorPath.TryParse("vswarm://test/user/a", out var p) ? p! : throw new InvalidOperationException()));
        Assert.False(Sys.TryResolveLocal(a.Path.Child("missing"), out _));
        Assert.False(Sys.TryResolveLocal(new ActorPath("other-node", ["user", "a"]), out _));
        Assert.Equal(Sys.DeadLetters, Sys.ResolveActorRef(new ActorPath("other-node", ["user", "a"])));

        // An Ask's temp ref is resolvable while the Ask is pending (a reply from another node finds it).
        var ext = new LoopbackRef(new ActorPath("other-node", ["user", "x"]), Sys);
        IActorRef? temp = null;
        var probeRef = new CapturingRef(new ActorPath("other-node", ["user", "y"]), Sys, s => temp = s);
        var pending = probeRef.Ask<string>("q", TimeSpan.FromSeconds(5));
        Assert.NotNull(temp);
        Assert.True(Sys.TryResolveLocal(temp!.Path, out var resolvedTemp));
        resolvedTemp.Tell("answer");
        Assert.Equal("answer", await pending.WaitAsync(TimeSpan.FromSeconds(5)));
        AwaitCondition(() => !Sys.TryResolveLocal(temp.Path, out _));
        Assert.Empty(ext.Told);
    }

    private sealed class CapturingRef(ActorPath path, ActorSystem system, Action<IActorRef> capture) : ExternalActorRef(path, 0, system)
    {
        public override void Tell(object message, IActorRef? sender) => capture(sender!);
    }

    [Fact]
    public void The_external_resolver_serves_ResolveActorRef_and_ActorSelection_of_other_systems()
    {
        var remote = new LoopbackRef(new ActorPath("node-b", ["user", "br1"]), Sys);
        Sys.SetExternalResolver(path => path.SystemName == "node-b" ? remote : null);
        Assert.Same(remote, Sys.ResolveActorRef(remote.Path));

        Sys.ActorSelection("vswarm://node-b/user/br1").Tell("hello", TestActor);
        ExpectMsg("echo:hello");
        Assert.Equal(["hello"], remote.Told);

        // Equality and ordering behave like any ref.
        var same = new LoopbackRef(new ActorPath("node-b", ["user", "br1"]), Sys);
        Assert.Equal<IActorRef>(remote, same);
        Assert.Equal(0, remote.CompareTo(same));
        Sys.SetExternalResolver(null);
        Assert.Equal(Sys.DeadLetters, Sys.ResolveActorRef(remote.Path));
    }
    /// <summary>A ref "on another node" that records the watch hooks and can report its actor's death.</summary>
    private sealed class WatchableRef(ActorPath path, ActorSystem system) : ExternalActorRef(path, 0, system)
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Calls { get; } = new();

        public override void Tell(object message, IActorRef? sender)
        {
        }

        public void Die(IActorRef watcher, bool existenceConfirmed, bool addressTerminated) =>
            NotifyTerminated(watcher, existenceConfirmed, addressTerminated);

        protected override void OnWatched(IActorRef watcher) => Calls.Enqueue("watch " + watcher.Path.Name);

        protected override void OnUnwatched(IActorRef watcher) => Calls.Enqueue("unwatch " + watcher.Path.Name);
    }

    private sealed class WatchingActor : ReceiveActor
    {
        public WatchingActor(IActorRef target) => Receive<string>(_ => Context.Watch(target));
    }

    [Fact]
    public void Watch_of_an_external_ref_calls_its_hooks_and_its_death_notice_becomes_Terminated()
    {
        var ext = new WatchableRef(new ActorPath("other-node", ["user", "x"]), Sys);
        Watch(ext);
        Watch(ext); // a second Watch of the same ref is not a second remote watch
        Assert.Equal(["watch " + TestActor.Path.Name], ext.Calls);

        ext.Die(TestActor, existenceConfirmed: true, addressTerminated: false);
        var t = ExpectTerminated(ext);
        Assert.Same(ext, t.ActorRef);
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);

        // Watching again after the Terminated is a new watch; after Unwatch a notice is dropped.
        Watch(ext);
        Unwatch(ext);
        Assert.Equal(["watch " + TestActor.Path.Name, "watch " + TestActor.Path.Name, "unwatch " + TestActor.Path.Name], ext.Calls);
        ext.Die(TestActor, existenceConfirmed: false, addressTerminated: true);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_watcher_that_stops_unwatches_its_external_refs()
    {
        var ext = new WatchableRef(new ActorPath("other-node", ["user", "x"]), Sys);
        var w = Sys.ActorOf(Props.Create(() => new WatchingActor(ext)), "w");
        w.Tell("go", ActorRefs.Nobody);
        AwaitCondition(() => ext.Calls.Count == 1, TimeSpan.FromSeconds(3));
        Watch(w);
        Sys.Stop(w);
        ExpectTerminated(w);
        Assert.Equal(["watch w", "unwatch w"], ext.Calls);
    }
}
