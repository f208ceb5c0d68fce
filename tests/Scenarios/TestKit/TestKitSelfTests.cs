using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using VSwarm.TestKit;
using Xunit;
using Xunit.Sdk;

namespace VSwarm.Tests.Scenarios.TestKitSpecs;

/// <summary>Self-tests of the TestKit: each expectation passes when it should and fails when it should.</summary>
public class TestKitSelfTests : VSwarm.TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Fact]
    public void ExpectMsg_variants_pass_and_fail()
    {
        TestActor.Tell("a");
        Assert.Equal("a", ExpectMsg<string>());
        TestActor.Tell(5);
        ExpectMsg(5);
        TestActor.Tell(6);
        ExpectMsg<int>(i => i > 5);
        TestActor.Tell(7);
        ExpectMsg<int>(i => Assert.Equal(7, i));
        TestActor.Tell(8);
        ExpectMsg<int>((i, sender) => i == 8 && sender.Equals(TestActor));

        TestActor.Tell("wrong");
        Assert.Throws<XunitException>(() => ExpectMsg<int>());
        TestActor.Tell(1);
        Assert.Throws<XunitException>(() => ExpectMsg(2));
        TestActor.Tell(1);
        Assert.Throws<XunitException>(() => ExpectMsg<int>(i => i > 1));
        Assert.Throws<XunitException>(() => ExpectMsg<int>(TimeSpan.FromMilliseconds(30)));
    }

    [Fact]
    public void ExpectMsgFrom_AnyOf_AllOf()
    {
        var probe = CreateTestProbe();
        probe.Send(TestActor, "from-probe");
        ExpectMsgFrom(probe.Ref, "from-probe");
        probe.Send(TestActor, "x");
        Assert.Throws<XunitException>(() => ExpectMsgFrom<string>(TestActor));

        TestActor.Tell("b");
        Assert.Equal("b", ExpectMsgAnyOf("a", "b", "c"));
        TestActor.Tell("z");
        Assert.Throws<XunitException>(() => ExpectMsgAnyOf("a", "b"));

        TestActor.Tell(3);
        TestActor.Tell(1);
        TestActor.Tell(2);
        Assert.Equal([3, 1, 2], ExpectMsgAllOf(1, 2, 3));
        TestActor.Tell(1);
        TestActor.Tell(4);
        Assert.Throws<XunitException>(() => ExpectMsgAllOf(TimeSpan.FromMilliseconds(200), 1, 2));
    }

    [Fact]
    public void ExpectNoMsg_passes_when_silent_and_fails_on_an_already_queued_message()
    {
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        TestActor.Tell("queued");
        var started = DateTime.UtcNow;
        var ex = Assert.Throws<XunitException>(() => ExpectNoMsg(TimeSpan.FromSeconds(5)));
        Assert.Contains("queued", ex.Message, StringComparison.Ordinal);
        // It failed at once, not after the 5 s.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Within_sets_an_inherited_deadline_and_checks_min_and_max()
    {
        Within(TimeSpan.FromSeconds(2), () =>
        {
            var outer = Remaining;
            Assert.True(outer <= Dilated(TimeSpan.FromSeconds(2)));
            Within(TimeSpan.FromSeconds(30), () =>
            {
                // A nested block cannot extend the outer deadline.
                Assert.True(Remaining <= outer);
            });
            // ExpectMsg without a timeout uses the remaining time of the (inner) block, not 3 s.
            var started = DateTime.UtcNow;
            var ex = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(300), () => ExpectMsg<string>()));
            Assert.Contains("Timeout", ex.Message, StringComparison.Ordinal);
            Assert.True(DateTime.UtcNow - started < Dilated(TimeSpan.FromMilliseconds(900)));
        });

        // min not reached fails.
        var tooFast = Assert.Throws<XunitException>(() => Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => { }));
        Assert.Contains("at least", tooFast.Message, StringComparison.Ordinal);
        // max exceeded fails (the block waits longer than allowed).
        var tooSlow = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(10), () =>
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            AwaitCondition(() => sw.Elapsed > Dilated(TimeSpan.FromMilliseconds(60)), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(5));
        }));
        Assert.Contains("exceeding", tooSlow.Message, StringComparison.Ordinal);
        // ...unless the last call was ExpectNoMsg, whose wait is expected.
        Within(TimeSpan.FromMilliseconds(100), () => ExpectNoMsg(TimeSpan.FromMilliseconds(150) / TimeFactor));
        Assert.Throws<InvalidOperationException>(() => Remaining);
    }

    [Fact]
    public void FishForMessage_skips_until_match_and_fails_on_timeout()
    {
        TestActor.Tell(1);
        TestActor.Tell("skip");
        TestActor.Tell(2);
        TestActor.Tell(10);
        Assert.Equal(10, FishForMessage<int>(i => i > 5));
        TestActor.Tell(1);
        Assert.Throws<XunitException>(() => FishForMessage<int>(i => i > 5, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void ReceiveWhile_ReceiveN_and_LastSender()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>());
        for (var i = 0; i < 5; i++)
        {
            echo.Tell(i);
        }

        echo.Tell("stop");
        var ints = ReceiveWhile<int>(i => i < 3);
        Assert.Equal([0, 1, 2], ints);
        Assert.Equal(new object[] { 3, 4, "stop" }, ReceiveN(3));
        Assert.Equal(echo, LastSender);
        Assert.Throws<XunitException>(() => ReceiveN(1, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void AwaitAssert_retries_until_it_passes_and_rethrows_the_last_failure()
    {
        var n = 0;
        AwaitAssert(() => Assert.True(Interlocked.Increment(ref n) >= 3), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(10));
        Assert.True(n >= 3);
        var ex = Assert.Throws<EqualException>(() => AwaitAssert(() => Assert.Equal(1, 2), TimeSpan.FromMilliseconds(100)));
        Assert.NotNull(ex);
        Assert.Throws<XunitException>(() => AwaitCondition(() => false, TimeSpan.FromMilliseconds(100)));
        var flag = false;
        _ = Task.Run(() => Volatile.Write(ref flag, true));
        AwaitCondition(() => Volatile.Read(ref flag));
    }

    private sealed class Thrower : ReceiveActor
    {
        public Thrower()
        {
            Receive<string>(s => throw new InvalidOperationException(s));
            Receive<int>(i => Context.GetLogger().Warning("warn {0}", i));
            Receive<double>(d => Context.GetLogger().Info("info {0}", d));
        }
    }

    [Fact]
    public void EventFilter_counts_matching_events_and_fails_on_wrong_counts()
    {
        var a = Sys.ActorOf(Props.Create<Thrower>(), "thrower");
        EventFilter.Exception<InvalidOperationException>("InvalidOperationException: one").ExpectOne(() => a.Tell("one"));
        EventFilter.Exception<InvalidOperationException>(start: "tw").ExpectOne(() => a.Tell("two"));
        EventFilter.Error(contains: "three", source: a.Path.ToString()).ExpectOne(() => a.Tell("three"));
        EventFilter.Warning("warn 1").ExpectOne(() => a.Tell(1));
        EventFilter.Info(start: "info").Expect(2, () =>
        {
            a.Tell(1.5);
            a.Tell(2.5);
        });
        EventFilter.Custom<Warning>(w => w.LogSource.EndsWith("thrower", StringComparison.Ordinal)).ExpectOne(() => a.Tell(2));
        // Too few events: the filter times out.
        Assert.Throws<XunitException>(() => EventFilter.Exception<ArgumentException>().ExpectOne(() => a.Tell("x"), TimeSpan.FromMilliseconds(200)));
        // Too many events.
        Assert.Throws<XunitException>(() => EventFilter.Warning().ExpectOne(() =>
        {
            a.Tell(3);
            a.Tell(4);
            AwaitCondition(() => a.MailboxCount() == 0);
            a.Tell(new Identify(null)); // wait until both warnings were processed
            ExpectMsg<ActorIdentity>();
        }));
    }

    [Fact]
    public void EventFilter_Mute_swallows_events_until_disposed()
    {
        var seen = new List<LogEvent>();
        using var sub = Sys.EventStream.Subscribe<Warning>(seen.Add);
        var a = Sys.ActorOf(Props.Create<Thrower>());
        using (EventFilter.Warning().Mute())
        {
            a.Tell(1);
            a.Tell(new Identify(null));
            ExpectMsg<ActorIdentity>();
        }

        EventFilter.DeadLetter<string>(s => s == "dl").ExpectOne(() => Sys.DeadLetters.Tell("dl"));
        Assert.Single(seen); // the EventStream still carries it; Mute only hides it from the test output
    }

    [Fact]
    public void TestProbe_reply_forward_autopilot_and_ignore()
    {
        var probe = CreateTestProbe("p");
        var echo = Sys.ActorOf(Props.Create<Echo>());
        probe.Send(echo, "ping");
        probe.ExpectMsg("ping");
        Assert.Equal(echo, probe.Sender);

        probe.Ref.Tell("question", TestActor);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        ExpectMsg("answer");
        Assert.Equal(probe.Ref, LastSender);

        var other = CreateTestProbe();
        probe.Ref.Tell("fwd", TestActor);
        probe.ExpectMsg("fwd");
        probe.Forward(other.Ref);
        other.ExpectMsg("fwd");
        Assert.Equal(TestActor, other.LastSender);

        probe.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            sender.Tell("auto:" + msg, ActorRefs.NoSender);
            return AutoPilot.KeepRunning;
        }));
        probe.Ref.Tell("x", TestActor);
        ExpectMsg("auto:x");
        probe.ExpectMsg("x");

        IgnoreMessages<int>(i => i < 10);
        TestActor.Tell(1);
        TestActor.Tell(11);
        ExpectMsg(11);
        IgnoreNoMessages();
        TestActor.Tell(1);
        ExpectMsg(1);
    }

    [Fact]
    public void Dilated_scales_by_the_time_factor_from_the_environment()
    {
        Assert.Equal(TestKitSettings.TimeFactorFromEnvironment(), TimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(2 * TimeFactor), Dilated(TimeSpan.FromSeconds(2)));
        Assert.Equal(Dilated(TimeSpan.FromSeconds(3)), RemainingOrDefault);
        Assert.Equal("test", Sys.Name);
    }
}

public class NoImplicitSenderTests : VSwarm.TestKit.TestKit, INoImplicitSender
{
    private sealed class ReplyToSender : ReceiveActor
    {
        public ReplyToSender() => ReceiveAny(_ => Sender.Tell(Sender.IsNobody() ? "nobody" : "someone"));
    }

    [Fact]
    public void Without_implicit_sender_Tell_from_the_test_body_has_no_sender()
    {
        var a = Sys.ActorOf(Props.Create<ReplyToSender>());
        a.Tell("x");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        a.Tell("y", TestActor);
        ExpectMsg("someone");
    }
}

public class ImplicitSenderAsyncTests : VSwarm.TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Fact]
    public async Task The_implicit_sender_flows_across_awaits_in_async_tests()
    {
        var a = Sys.ActorOf(Props.Create<Echo>());
        await Task.Yield();
        await Task.Delay(1);
        a.Tell("after-await");
        ExpectMsg("after-await");
    }
}

public class VirtualTimeTestKitTests : VSwarm.TestKit.TestKit
{
    public VirtualTimeTestKitTests()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    [Fact]
    public void Virtual_time_mode_only_fires_timers_when_advanced()
    {
        Assert.IsType<VirtualTimeScheduler>(Sys.Scheduler);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromHours(1), TestActor, "late", ActorRefs.NoSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        AdvanceTime(TimeSpan.FromHours(1));
        ExpectMsg("late");
        Assert.Equal(TimeSpan.FromHours(1), Scheduler.MonotonicClock);
    }
}

public class RealTimeTestKitTests : VSwarm.TestKit.TestKit
{
    [Fact]
    public void Scheduler_property_requires_virtual_time()
    {
        Assert.Throws<InvalidOperationException>(() => Scheduler);
        Assert.IsType<RealTimeScheduler>(Sys.Scheduler);
    }
}
