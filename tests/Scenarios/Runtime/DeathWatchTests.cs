using System.Collections.Concurrent;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

/// <summary>actors-brief §1.2 (8) DeathWatch and (9) stopping.</summary>
public class DeathWatchTests : TestKit.TestKit
{
    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    [Fact]
    public void Terminated_arrives_for_a_watch_made_after_the_target_died()
    {
        var target = Sys.ActorOf(Props.Create<Idle>());
        var first = CreateTestProbe();
        first.Watch(target);
        Sys.Stop(target);
        first.ExpectTerminated(target);

        // Watching a dead actor still yields Terminated (and watching again yields it again).
        Watch(target);
        var t = ExpectTerminated(target);
        Assert.Equal(target, t.ActorRef);
        Assert.False(t.AddressTerminated);
        Watch(target);
        ExpectTerminated(target);
    }

    [Fact]
    public void Watch_from_an_actor_delivers_Terminated_and_WatchWith_delivers_the_custom_message()
    {
        var target = Sys.ActorOf(Props.Create<Idle>());
        var target2 = Sys.ActorOf(Props.Create<Idle>());
        Sys.ActorOf(Props.Create(() => new Watcher(target, target2, TestActor)));
        ExpectMsg("watching");
        Sys.Stop(target);
        Sys.Stop(target2);
        ExpectMsgAllOf<object>($"terminated:{target.Path.Name}", "custom-2");
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef target, IActorRef target2, IActorRef report)
        {
            Context.Watch(target);
            Context.WatchWith(target2, "custom-2");
            Receive<Terminated>(t => report.Tell($"terminated:{t.ActorRef.Path.Name}"));
            Receive<string>(s => report.Tell(s));
            report.Tell("watching");
        }
    }

    private sealed class UnwatchingActor : ReceiveActor
    {
        public UnwatchingActor(IActorRef report, ManualResetEventSlim entered, ManualResetEventSlim release)
        {
            var child = Context.ActorOf(Props.Create<Idle>(), "child");
            Context.Watch(child);
            report.Tell(child);
            Receive<string>(s => s == "block", _ =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            });
            Receive<string>(s => s == "unwatch", _ =>
            {
                Context.Unwatch(child);
                report.Tell("unwatched");
            });
            Receive<Terminated>(t => report.Tell("terminated"));
            Receive<string>(s => report.Tell(s));
        }
    }

    [Fact]
    public void After_Unwatch_a_queued_Terminated_is_not_processed()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var a = Sys.ActorOf(Props.Create(() => new UnwatchingActor(TestActor, entered, release)));
        var child = ExpectMsg<IActorRef>();
        a.Tell("block");
        Assert.True(entered.Wait(Dilated(TimeSpan.FromSeconds(3))));
        a.Tell("unwatch");
        // The parent is notified before any other watcher, so once we see Terminated the parent's
        // notification is waiting in its system queue; it becomes a Terminated queued behind "unwatch".
        Watch(child);
        Sys.Stop(child);
        ExpectTerminated(child);
        release.Set();
        ExpectMsg("unwatched");
        a.Tell("after");
        ExpectMsg("after");
    }

    private sealed class NoTerminatedHandler : ReceiveActor
    {
        public NoTerminatedHandler(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(_ => { });
        }
    }

    [Fact]
    public void Unhandled_Terminated_throws_DeathPactException_and_stops_the_watcher()
    {
        var target = Sys.ActorOf(Props.Create<Idle>());
        var watcher = Sys.ActorOf(Props.Create(() => new NoTerminatedHandler(target)));
        Watch(watcher);
        EventFilter.Exception<DeathPactException>().ExpectOne(() => Sys.Stop(target));
        ExpectTerminated(watcher);
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(string name, ConcurrentQueue<string> log, int children)
        {
            for (var i = 0; i < children; i++)
            {
                var childName = $"{name}.{i}";
                Context.ActorOf(Props.Create(() => new Recorder(childName, log, 0)), "c" + i);
            }

            Receive<string>(s => s == "children", _ => Sender.Tell(Context.GetChildren().Count()));
            _name = name;
            _log = log;
        }

        private readonly string _name;
        private readonly ConcurrentQueue<string> _log;

        protected override void PostStop()
        {
            // Give the parent a chance to run early if ordering were broken.
            Thread.SpinWait(20_000);
            _log.Enqueue("poststop:" + _name);
        }
    }

    private sealed class LoggingWatcher : ReceiveActor
    {
        public LoggingWatcher(IActorRef target, ConcurrentQueue<string> log, IActorRef report)
        {
            Context.Watch(target);
            Receive<Terminated>(_ =>
            {
                log.Enqueue("watcher-notified");
                report.Tell("done");
            });
        }
    }

    [Fact]
    public void Stop_order_is_children_then_PostStop_then_watchers()
    {
        var log = new ConcurrentQueue<string>();
        var parent = Sys.ActorOf(Props.Create(() => new Recorder("p", log, 3)));
        parent.Tell("children");
        ExpectMsg(3);
        Sys.ActorOf(Props.Create(() => new LoggingWatcher(parent, log, TestActor)));
        parent.Tell(new Identify(null)); // make sure the watcher's Watch was processed first
        ExpectMsg<ActorIdentity>();
        AwaitAssert(() => Assert.True(parent.MailboxCount() == 0));
        Sys.Stop(parent);
        ExpectMsg("done");
        var order = log.ToArray();
        Assert.Equal(5, order.Length);
        Assert.Equal(["p.0", "p.1", "p.2"], order.Take(3).Select(s => s["poststop:".Length..]).Order());
        Assert.Equal("poststop:p", order[3]);
        Assert.Equal("watcher-notified", order[4]);
    }

    [Fact]
    public async Task GracefulStop_completes_true_when_the_actor_stopped()
    {
        var a = Sys.ActorOf(Props.Create<Idle>());
        Assert.True(await a.GracefulStop(Dilated(TimeSpan.FromSeconds(3))));
        Watch(a);
        ExpectTerminated(a);
    }

    private sealed class PoisonResistant : ReceiveActor
    {
        public PoisonResistant(ManualResetEventSlim release) => Receive<string>(_ => release.Wait(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task GracefulStop_completes_false_on_timeout()
    {
        using var release = new ManualResetEventSlim();
        var a = Sys.ActorOf(Props.Create(() => new PoisonResistant(release)));
        a.Tell("block");
        Assert.False(await a.GracefulStop(TimeSpan.FromMilliseconds(100)));
        release.Set();
    }

    [Fact]
    public void Context_Stop_of_self_and_of_child()
    {
        var parent = Sys.ActorOf(Props.Create<StopperParent>());
        parent.Tell("spawn");
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        parent.Tell("stop-child");
        ExpectTerminated(child);
        Watch(parent);
        parent.Tell("stop-self");
        ExpectTerminated(parent);
    }

    private sealed class StopperParent : ReceiveActor
    {
        public StopperParent()
        {
            Receive<string>(s => s == "spawn", _ => Sender.Tell(Context.ActorOf(Props.Create<Idle>(), "kid")));
            Receive<string>(s => s == "stop-child", _ => Context.Stop(Context.Child("kid")));
            Receive<string>(s => s == "stop-self", _ => Context.Stop(Self));
        }
    }
}
