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
}
