using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

/// <summary>actors-brief §1.2 (11) scheduler, timers, receive timeout and Ask timeout on virtual time.</summary>
public class TimeTests : TestKit.TestKit
{
    public TimeTests()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    [Fact]
    public void Virtual_scheduler_runs_in_due_time_then_insertion_order()
    {
        var s = new VirtualTimeScheduler();
        var log = new List<string>();
        s.ScheduleOnce(TimeSpan.FromSeconds(2), () => log.Add("b@2"));
        s.ScheduleOnce(TimeSpan.FromSeconds(1), () => log.Add("a@1"));
        s.ScheduleOnce(TimeSpan.FromSeconds(2), () => log.Add("c@2"));
        var cancelled = s.ScheduleOnce(TimeSpan.FromSeconds(1), () => log.Add("never"));
        cancelled.Cancel();
        s.ScheduleRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), () => log.Add($"r@{s.MonotonicClock.TotalSeconds}"));
        s.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(log);
        s.Advance(TimeSpan.FromSeconds(2.001));
        Assert.Equal(["a@1", "r@1", "b@2", "c@2", "r@2", "r@3"], log);
        Assert.Equal(TimeSpan.FromSeconds(3), s.MonotonicClock);

        // Actions scheduled while advancing run too, if due within the advance.
        log.Clear();
        s.ScheduleOnce(TimeSpan.FromSeconds(0.5), () => s.ScheduleOnce(TimeSpan.FromSeconds(0.2), () => log.Add("nested")));
        s.AdvanceTo(TimeSpan.FromSeconds(3.8));
        Assert.Equal(["nested"], log);
    }

    private sealed class Ticker : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public Ticker(IActorRef report)
        {
            Receive<string>(s => s == "start", _ =>
            {
                Timers.StartPeriodicTimer("tick", "tick", TimeSpan.FromSeconds(1));
                Timers.StartSingleTimer("once", "once", TimeSpan.FromSeconds(2.5));
                Sender.Tell("started");
            });
            Receive<string>(s => s == "cancel", _ =>
            {
                Timers.Cancel("tick");
                Sender.Tell(Timers.IsTimerActive("tick"));
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(s => s == "active", _ => Sender.Tell(string.Join(",", Timers.ActiveTimers.Select(k => k.ToString()).Order())));
            Receive<string>(s => report.Tell(s));
        }
    }

    [Fact]
    public void Timers_fire_deterministically_on_virtual_time()
    {
        var ticker = Sys.ActorOf(Props.Create(() => new Ticker(TestActor)));
        ticker.Tell("start");
        ExpectMsg("started");
        AdvanceTime(TimeSpan.FromMilliseconds(990));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        AdvanceTime(TimeSpan.FromMilliseconds(2010)); // t = 3: ticks at 1, 2, 3 and "once" at 2.5
        Assert.Equal(new object[] { "tick", "tick", "once", "tick" }, ReceiveWhile<object>(o => o, TimeSpan.FromSeconds(1)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        ticker.Tell("active");
        ExpectMsg("tick");
        ticker.Tell("cancel");
        ExpectMsg(false);
        AdvanceTime(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Timers_are_cancelled_on_restart()
    {
        var ticker = Sys.ActorOf(Props.Create(() => new Ticker(TestActor)));
        ticker.Tell("start");
        ExpectMsg("started");
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => ticker.Tell("fail"));
        ticker.Tell("active");
        ExpectMsg(string.Empty);
        AdvanceTime(TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Timers_are_cancelled_on_stop()
    {
        var ticker = Sys.ActorOf(Props.Create(() => new Ticker(TestActor)));
        ticker.Tell("start");
        ExpectMsg("started");
        Watch(ticker);
        Sys.Stop(ticker);
        ExpectTerminated(ticker);
        Assert.Equal(0, Scheduler.PendingCount);
    }

    private sealed class Replacer : ReceiveActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        public Replacer(IActorRef report, ManualResetEventSlim entered, ManualResetEventSlim release)
        {
            Receive<string>(s => s == "arm", _ =>
            {
                Timers.StartSingleTimer("k", "old", TimeSpan.FromSeconds(1));
                Sender.Tell("armed");
            });
            Receive<string>(s => s == "block-then-replace", _ =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
                // The "old" timer message is already queued behind us; replacing the timer makes it stale.
                Timers.StartSingleTimer("k", "new", TimeSpan.FromSeconds(5));
            });
            Receive<string>(s => report.Tell(s));
        }
    }

    [Fact]
    public void A_stale_timer_message_from_a_replaced_timer_is_not_delivered()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var a = Sys.ActorOf(Props.Create(() => new Replacer(TestActor, entered, release)));
        a.Tell("arm");
        ExpectMsg("armed");
        a.Tell("block-then-replace");
        Assert.True(entered.Wait(Dilated(TimeSpan.FromSeconds(3))));
        AdvanceTime(TimeSpan.FromSeconds(1)); // "old" fires and is queued while the actor is busy
        AwaitCondition(() => a.MailboxCount() == 1);
        release.Set();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AdvanceTime(TimeSpan.FromSeconds(5));
        ExpectMsg("new");
    }

    private sealed class Idler : ReceiveActor
    {
        public Idler(IActorRef report)
        {
            Receive<string>(s => s == "set", _ =>
            {
                Context.SetReceiveTimeout(TimeSpan.FromSeconds(10));
                Sender.Tell("set");
            });
            Receive<string>(s => s == "clear", _ =>
            {
                Context.SetReceiveTimeout(null);
                Sender.Tell("cleared");
            });
            Receive<ReceiveTimeout>(_ => report.Tell("timeout"));
            Receive<string>(s => Sender.Tell("ack:" + s));
        }
    }

    [Fact]
    public void ReceiveTimeout_fires_after_idle_time_and_is_reset_by_messages()
    {
        var a = Sys.ActorOf(Props.Create(() => new Idler(TestActor)));
        a.Tell("set");
        ExpectMsg("set");
        AdvanceTime(TimeSpan.FromSeconds(9));
        a.Tell("ping"); // resets the idle timer
        ExpectMsg("ack:ping");
        AdvanceTime(TimeSpan.FromSeconds(9));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        AdvanceTime(TimeSpan.FromSeconds(1));
        ExpectMsg("timeout");
        // It keeps firing after every further idle period.
        AwaitTimers();
        AdvanceTime(TimeSpan.FromSeconds(10));
        ExpectMsg("timeout");
        a.Tell("clear");
        ExpectMsg("cleared");
        AdvanceTime(TimeSpan.FromSeconds(30));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    private sealed class Silent : ReceiveActor
    {
        public Silent()
        {
            Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("nope"))));
            Receive<string>(s => s == "wrong", _ => Sender.Tell(42));
            Receive<string>(s => s == "ok", _ => Sender.Tell("fine"));
            ReceiveAny(_ => { });
        }
    }

    [Fact]
    public async Task Ask_times_out_on_virtual_time()
    {
        var a = Sys.ActorOf(Props.Create<Silent>());
        var task = a.Ask<string>("ignored", TimeSpan.FromSeconds(5));
        AwaitTimers();
        AdvanceTime(TimeSpan.FromMilliseconds(4900));
        Assert.False(task.IsCompleted);
        AdvanceTime(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<AskTimeoutException>(() => task.WaitAsync(Dilated(TimeSpan.FromSeconds(3))));
    }

    [Fact]
    public async Task Ask_with_Status_Failure_faults_and_wrong_type_fails_with_ArgumentException()
    {
        var a = Sys.ActorOf(Props.Create<Silent>());
        Assert.Equal("fine", await a.Ask<string>("ok", TimeSpan.FromSeconds(5)));
        var f = await Assert.ThrowsAsync<InvalidOperationException>(() => a.Ask<string>("fail", TimeSpan.FromSeconds(5)));
        Assert.Equal("nope", f.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => a.Ask<string>("wrong", TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = a.Ask<string>("ok", TimeSpan.Zero); });
    }

    [Fact]
    public async Task Ask_cancellation_cancels_the_task()
    {
        var a = Sys.ActorOf(Props.Create<Silent>());
        using var cts = new CancellationTokenSource();
        var task = a.Ask<string>("ignored", null, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public void ScheduleTell_once_repeatedly_and_cancelable()
    {
        var once = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromSeconds(1), TestActor, "once", ActorRefs.NoSender);
        var cancelled = new Cancelable();
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), TestActor, "never", ActorRefs.NoSender, cancelled);
        cancelled.Cancel();
        var rep = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TestActor, "rep", ActorRefs.NoSender);
        AdvanceTime(TimeSpan.FromSeconds(5)); // once@1, rep@1, rep@3, rep@5
        Assert.Equal(new object[] { "once", "rep", "rep", "rep" }, ReceiveN(4));
        rep.Cancel();
        AdvanceTime(TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        once.Cancel(); // cancelling after it ran is harmless
        Assert.True(once.IsCancellationRequested);
    }
}

/// <summary>The real-time scheduler, briefly (no sleeps: waits on the messages).</summary>
public class RealTimeSchedulerTests : TestKit.TestKit
{
    [Fact]
    public void Real_scheduler_delivers_scheduled_tells_in_order()
    {
        var start = Sys.Scheduler.MonotonicClock;
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(60), TestActor, "second", ActorRefs.NoSender);
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), TestActor, "first", ActorRefs.NoSender);
        ExpectMsg("first");
        ExpectMsg("second");
        // Never early.
        Assert.True(Sys.Scheduler.MonotonicClock - start >= TimeSpan.FromMilliseconds(60));
    }
}

/// <summary>Stress of the real-time scheduler: many timers from many threads all fire, none early.</summary>
public class RealTimeSchedulerStressTests
{
    [Fact]
    public void Many_concurrent_timers_all_fire_and_never_early()
    {
        using var s = new RealTimeScheduler();
        const int n = 2000;
        var fired = 0;
        var early = 0;
        using var all = new ManualResetEventSlim();
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var delay = TimeSpan.FromMilliseconds(i % 50);
            var due = s.MonotonicClock + delay;
            s.ScheduleOnce(delay, () =>
            {
                if (s.MonotonicClock < due)
                {
                    Interlocked.Increment(ref early);
                }

                if (Interlocked.Increment(ref fired) == n)
                {
                    all.Set();
                }
            });
        });
        Assert.True(all.Wait(TimeSpan.FromSeconds(10 * VSwarm.TestKit.TestKitSettings.TimeFactorFromEnvironment())), $"only {fired} of {n} fired");
        Assert.Equal(0, early);
    }
}
