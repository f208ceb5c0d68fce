using System.Collections.Concurrent;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

/// <summary>actors-brief §1.2 (6) failures and (7) default supervision and restart limits.</summary>
public class SupervisionTests : TestKit.TestKit
{
    public SupervisionTests()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    /// <summary>Reports lifecycle events and its incarnation number to a probe.</summary>
    private sealed class Worker : ReceiveActor
    {
        private static int s_instances;
        private readonly IActorRef _probe;
        private readonly int _instance = Interlocked.Increment(ref s_instances);
        private int _state;

        public Worker(IActorRef probe)
        {
            _probe = probe;
            Receive<Exception>(ex => throw ex);
            Receive<string>(s => s == "state", _ => Sender.Tell(_state));
            Receive<string>(s => s == "incr", _ => _state++);
            Receive<string>(s => s == "instance", _ => Sender.Tell(_instance));
            Receive<string>(s => _probe.Tell($"got:{s}"));
        }

        protected override void PreStart() => _probe.Tell("prestart");

        protected override void PostStop() => _probe.Tell("poststop");

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"prerestart:{reason.Message}:{message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"postrestart:{reason.Message}");
            base.PostRestart(reason);
        }
    }

    /// <summary>Creates children with the given strategy and relays commands.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Supervisor(SupervisorStrategy strategy)
        {
            _strategy = strategy;
            Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
            Receive<(Props Props, string Name)>(p => Sender.Tell(Context.ActorOf(p.Props, p.Name)));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    private IActorRef Supervise(SupervisorStrategy strategy, Props child, string? name = null)
    {
        var sup = Sys.ActorOf(Props.Create(() => new Supervisor(strategy)));
        if (name is null)
        {
            sup.Tell(child);
        }
        else
        {
            sup.Tell((child, name));
        }

        return ExpectMsg<IActorRef>();
    }

    [Fact]
    public void Restart_keeps_the_mailbox_and_drops_the_failed_message()
    {
        var probe = CreateTestProbe();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var child = Supervise(SupervisorStrategy.DefaultStrategy, Props.Create(() => new BlockingFailer(probe.Ref, entered, release, new int[1])));
        probe.ExpectMsg("prestart");
        child.Tell("fail");
        Assert.True(entered.Wait(Dilated(TimeSpan.FromSeconds(3))));
        child.Tell("a");
        child.Tell("b");
        child.Tell("c");
        EventFilter.Exception<InvalidOperationException>(contains: "boom").ExpectOne(() => release.Set());
        probe.ExpectMsg("prerestart:boom:fail");
        probe.ExpectMsg("postrestart:boom");
        probe.ExpectMsg("prestart");
        // The failed message is not redelivered; the queued ones are processed by the new instance.
        probe.ExpectMsg("2:a");
        probe.ExpectMsg("2:b");
        probe.ExpectMsg("2:c");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private sealed class BlockingFailer : ReceiveActor
    {
        private readonly IActorRef _probe;

        public BlockingFailer(IActorRef probe, ManualResetEventSlim entered, ManualResetEventSlim release, int[] instances)
        {
            _probe = probe;
            var gen = Interlocked.Increment(ref instances[0]);
            Receive<string>(s => s == "fail", _ =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
                throw new InvalidOperationException("boom");
            });
            Receive<string>(s => probe.Tell($"{gen}:{s}"));
        }

        protected override void PreStart() => _probe.Tell("prestart");

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"prerestart:{reason.Message}:{message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"postrestart:{reason.Message}");
            base.PostRestart(reason);
        }
    }

    [Fact]
    public void Restart_keeps_uid_and_resets_state_and_behaviour()
    {
        var probe = CreateTestProbe();
        var child = Supervise(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        child.Tell("incr");
        child.Tell("state");
        ExpectMsg(1);
        child.Tell("instance");
        var first = ExpectMsg<int>();
        EventFilter.Exception<ArgumentException>().ExpectOne(() => child.Tell(new ArgumentException("x")));
        probe.ExpectMsg<string>(s => s.StartsWith("prerestart:x", StringComparison.Ordinal));
        probe.ExpectMsg("poststop");
        probe.ExpectMsg("postrestart:x");
        probe.ExpectMsg("prestart");
        child.Tell("state");
        ExpectMsg(0);
        child.Tell("instance");
        Assert.NotEqual(first, ExpectMsg<int>());
        Assert.Equal(child, LastSender); // same ref, same UID
    }

    [Fact]
    public void Resume_keeps_state()
    {
        var probe = CreateTestProbe();
        var child = Supervise(new OneForOneStrategy(_ => Directive.Resume), Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        child.Tell("incr");
        EventFilter.Warning(contains: "resume-me").ExpectOne(() => child.Tell(new InvalidOperationException("resume-me")));
        child.Tell("incr");
        child.Tell("state");
        ExpectMsg(2);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Default_decider_stops_on_initialization_kill_and_deathpact_and_restarts_otherwise()
    {
        var d = SupervisorStrategy.DefaultDecider;
        Assert.Equal(Directive.Stop, d.Decide(new ActorInitializationException("x")));
        Assert.Equal(Directive.Stop, d.Decide(new ActorKilledException()));
        Assert.Equal(Directive.Stop, d.Decide(new DeathPactException("x")));
        Assert.Equal(Directive.Restart, d.Decide(new InvalidOperationException()));

        var custom = Decider.From(Directive.Restart, Directive.Stop.When<ArgumentException>(), Directive.Escalate.When<Exception>());
        Assert.Equal(Directive.Stop, custom.Decide(new ArgumentNullException()));
        Assert.Equal(Directive.Escalate, custom.Decide(new InvalidOperationException()));
    }

    [Fact]
    public void Kill_stops_the_actor_with_ActorKilledException()
    {
        var probe = CreateTestProbe();
        var child = Supervise(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        Watch(child);
        EventFilter.Exception<ActorKilledException>().ExpectOne(() => child.Tell(Kill.Instance));
        ExpectTerminated(child);
        probe.ExpectMsg("poststop");
    }

    private sealed class FailingCtor : ReceiveActor
    {
        public FailingCtor() => throw new InvalidOperationException("ctor failed");
    }

    [Fact]
    public void A_failing_constructor_stops_the_actor()
    {
        var a = EventFilter.Exception<ActorInitializationException>().ExpectOne(() => Watch(Sys.ActorOf(Props.Create<FailingCtor>())));
        ExpectTerminated(a);
    }

    [Fact]
    public void Zero_retries_means_never_restart()
    {
        var probe = CreateTestProbe();
        var child = Supervise(new OneForOneStrategy(0, null, SupervisorStrategy.DefaultDecider), Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        Watch(child);
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new InvalidOperationException("once")));
        ExpectTerminated(child);
        probe.ExpectMsg("poststop");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Retries_without_window_are_a_lifetime_count_then_the_child_is_stopped()
    {
        var probe = CreateTestProbe();
        var child = Supervise(new OneForOneStrategy(2, null, SupervisorStrategy.DefaultDecider), Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        Watch(child);
        for (var i = 1; i <= 2; i++)
        {
            EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new InvalidOperationException("f" + i)));
            probe.FishForMessage<string>(s => s == "prestart");
            // Lifetime count: even much later the count is not reset.
            AdvanceTime(TimeSpan.FromHours(1));
        }

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new InvalidOperationException("f3")));
        ExpectTerminated(child);
    }

    [Fact]
    public void Retries_within_window_use_a_sliding_window_on_scheduler_time()
    {
        var probe = CreateTestProbe();
        var child = Supervise(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), SupervisorStrategy.DefaultDecider), Props.Create(() => new Worker(probe.Ref)));
        probe.ExpectMsg("prestart");
        Watch(child);

        void FailAndExpectRestart(string tag)
        {
            EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new InvalidOperationException(tag)));
            probe.FishForMessage<string>(s => s == "prestart");
        }

        FailAndExpectRestart("t0");          // restarts at 0 s
        AdvanceTime(TimeSpan.FromSeconds(40));
        FailAndExpectRestart("t40");         // restarts at 40 s: 2 in window
        AdvanceTime(TimeSpan.FromSeconds(21));
        FailAndExpectRestart("t61");         // t0 left the window at 60 s: allowed
        AdvanceTime(TimeSpan.FromSeconds(10));
        // At 71 s the window (11 s..71 s] holds t40 and t61: refused, the child is stopped (not escalated).
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => child.Tell(new InvalidOperationException("t71")));
        ExpectTerminated(child);
    }

    [Fact]
    public void AllForOne_restarts_all_children()
    {
        var p1 = CreateTestProbe();
        var p2 = CreateTestProbe();
        var sup = Sys.ActorOf(Props.Create(() => new Supervisor(new AllForOneStrategy(SupervisorStrategy.DefaultDecider))));
        sup.Tell(Props.Create(() => new Worker(p1.Ref)));
        var c1 = ExpectMsg<IActorRef>();
        sup.Tell(Props.Create(() => new Worker(p2.Ref)));
        var c2 = ExpectMsg<IActorRef>();
        p1.ExpectMsg("prestart");
        p2.ExpectMsg("prestart");
        c2.Tell("incr");
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => c1.Tell(new InvalidOperationException("all")));
        p1.FishForMessage<string>(s => s == "prestart");
        p2.ExpectMsg<string>(s => s.StartsWith("prerestart:all", StringComparison.Ordinal));
        p2.FishForMessage<string>(s => s == "prestart");
        c2.Tell("state");
        ExpectMsg(0);
        c1.Tell("hello");
        p1.ExpectMsg("got:hello");
    }

    [Fact]
    public void AllForOne_stop_stops_all_children()
    {
        var p1 = CreateTestProbe();
        var sup = Sys.ActorOf(Props.Create(() => new Supervisor(new AllForOneStrategy(_ => Directive.Stop))));
        sup.Tell(Props.Create(() => new Worker(p1.Ref)));
        var c1 = ExpectMsg<IActorRef>();
        sup.Tell(Props.Create(() => new Worker(p1.Ref)));
        var c2 = ExpectMsg<IActorRef>();
        Watch(c1);
        Watch(c2);
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => c2.Tell(new InvalidOperationException("stop-all")));
        ExpectMsgAllOf(new Terminated(c1, true, false), new Terminated(c2, true, false));
    }

    /// <summary>Middle escalates; top restarts middle, whose default PreRestart stops the leaf.</summary>
    [Fact]
    public void Escalate_hands_the_failure_to_the_grandparent()
    {
        var probe = CreateTestProbe();
        var top = Sys.ActorOf(Props.Create(() => new Supervisor(SupervisorStrategy.DefaultStrategy)), "top");
        top.Tell((Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), "middle"));
        var middle = ExpectMsg<IActorRef>();
        middle.Tell((Props.Create(() => new Worker(probe.Ref)), "leaf"));
        var leaf = ExpectMsg<IActorRef>();
        probe.ExpectMsg("prestart");
        Watch(leaf);
        EventFilter.Exception<InvalidOperationException>(contains: "esc")
            .ExpectOne(() => leaf.Tell(new InvalidOperationException("esc")));
        ExpectTerminated(leaf);
        // The error was logged by top's strategy for the middle actor (the escalated child).
        middle.Tell((Props.Create(() => new Worker(probe.Ref)), "leaf"));
        Assert.Equal("leaf", ExpectMsg<IActorRef>().Path.Name);
    }

    [Fact]
    public void Escalate_with_resume_resumes_the_failed_grandchild()
    {
        var probe = CreateTestProbe();
        var top = Sys.ActorOf(Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Resume))));
        top.Tell((Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), "middle"));
        var middle = ExpectMsg<IActorRef>();
        middle.Tell((Props.Create(() => new Worker(probe.Ref)), "leaf"));
        var leaf = ExpectMsg<IActorRef>();
        probe.ExpectMsg("prestart");
        leaf.Tell("incr");
        EventFilter.Warning(contains: "esc2").ExpectOne(() => leaf.Tell(new InvalidOperationException("esc2")));
        leaf.Tell("state");
        ExpectMsg(1);
    }

    [Fact]
    public void Failure_is_logged_as_error_with_the_actor_path()
    {
        var probe = CreateTestProbe();
        var child = Supervise(SupervisorStrategy.DefaultStrategy, Props.Create(() => new Worker(probe.Ref)), "logged");
        probe.ExpectMsg("prestart");
        EventFilter.Exception<InvalidOperationException>(source: child.Path.ToString()).ExpectOne(() => child.Tell(new InvalidOperationException("log me")));
    }
}
