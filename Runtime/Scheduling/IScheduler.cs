using System.Diagnostics;

namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>ICancelable</c>: a handle to cancel a scheduled action. Cancelling is idempotent; an action
/// whose handle is cancelled before it is due never runs.
/// </summary>
public interface ICancelable
{
    /// <summary>True once <see cref="Cancel"/> was called.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Cancels the scheduled work.</summary>
    void Cancel();
}

/// <summary>A plain cancelable flag (Akka's <c>Cancelable</c>), e.g. to pass to ScheduleTellOnce.</summary>
public sealed class Cancelable : ICancelable
{
    private volatile bool _cancelled;

    /// <inheritdoc />
    public bool IsCancellationRequested => _cancelled;

    /// <inheritdoc />
    public void Cancel() => _cancelled = true;
}

/// <summary>
/// Akka's <c>IScheduler</c> (+ <c>IActionScheduler</c>, <c>IDateTimeOffsetNowTimeProvider</c>): runs actions
/// after a delay or repeatedly, against its own clock. The real implementation follows the wall clock;
/// <see cref="VirtualTimeScheduler"/> follows a clock the test advances. Timers, receive timeouts and Ask
/// timeouts all go through the system's scheduler, so virtual time drives them.
/// </summary>
public interface IScheduler
{
    /// <summary>The scheduler's notion of "now".</summary>
    DateTimeOffset Now { get; }

    /// <summary>Monotonic time since the scheduler started.</summary>
    TimeSpan MonotonicClock { get; }

    /// <summary>Runs <paramref name="action"/> once after <paramref name="delay"/>.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    /// <summary>Runs <paramref name="action"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);
}

/// <summary>Akka's <c>ITellScheduler</c> / <c>SchedulerExtensions</c>: scheduled Tells.</summary>
public static class SchedulerExtensions
{
    /// <summary>Tells <paramref name="message"/> to <paramref name="receiver"/> once after <paramref name="delay"/>.</summary>
    public static void ScheduleTellOnce(this IScheduler scheduler, TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        ScheduleTellOnceCancelable(scheduler, delay, receiver, message, sender);

    /// <summary>As above; the Tell is skipped when <paramref name="cancelable"/> was cancelled.</summary>
    public static void ScheduleTellOnce(this IScheduler scheduler, TimeSpan delay, ICanTell receiver, object message, IActorRef? sender, ICancelable cancelable)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(cancelable);
        scheduler.ScheduleOnce(delay, () =>
        {
            if (!cancelable.IsCancellationRequested)
            {
                receiver.Tell(message, sender);
            }
        });
    }

    /// <summary>Tells once after <paramref name="delay"/> and returns the handle to cancel it.</summary>
    public static ICancelable ScheduleTellOnceCancelable(this IScheduler scheduler, TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(receiver);
        return scheduler.ScheduleOnce(delay, () => receiver.Tell(message, sender));
    }

    /// <summary>Tells repeatedly: first after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    public static void ScheduleTellRepeatedly(this IScheduler scheduler, TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender) =>
        ScheduleTellRepeatedlyCancelable(scheduler, initialDelay, interval, receiver, message, sender);

    /// <summary>As above; stops when <paramref name="cancelable"/> is cancelled.</summary>
    public static void ScheduleTellRepeatedly(this IScheduler scheduler, TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender, ICancelable cancelable)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(cancelable);
        ICancelable? handle = null;
        handle = scheduler.ScheduleRepeatedly(initialDelay, interval, () =>
        {
            if (cancelable.IsCancellationRequested)
            {
                handle?.Cancel();
                return;
            }

            receiver.Tell(message, sender);
        });
    }

    /// <summary>Tells repeatedly and returns the handle to cancel it.</summary>
    public static ICancelable ScheduleTellRepeatedlyCancelable(this IScheduler scheduler, TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(receiver);
        return scheduler.ScheduleRepeatedly(initialDelay, interval, () => receiver.Tell(message, sender));
    }
}

/// <summary>
/// Shared machinery of both schedulers: a priority queue ordered by (due time, insertion sequence), so
/// actions due at the same instant run in the order they were scheduled.
/// </summary>
public abstract class SchedulerBase : IScheduler
{
    private readonly PriorityQueue<ScheduledItem, (long Due, long Seq)> _queue = new();
    private long _seq;

    /// <summary>Lock guarding the queue.</summary>
    protected object Gate { get; } = new();

    /// <summary>Raised by a scheduled action that threw; the scheduler keeps running.</summary>
    public event EventHandler<Exception>? ActionFailed;

    /// <inheritdoc />
    public abstract DateTimeOffset Now { get; }

    /// <inheritdoc />
    public TimeSpan MonotonicClock => TimeSpan.FromTicks(NowTicks);

    /// <summary>Current monotonic time in ticks (100 ns).</summary>
    protected abstract long NowTicks { get; }

    /// <inheritdoc />
    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var item = new ScheduledItem(action, 0);
        Enqueue(item, NowTicks + Math.Max(0, delay.Ticks));
        return item;
    }

    /// <inheritdoc />
    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var item = new ScheduledItem(action, interval.Ticks);
        Enqueue(item, NowTicks + Math.Max(0, initialDelay.Ticks));
        return item;
    }

    /// <summary>Called after an item was queued with its due time (the real scheduler re-arms its timer).</summary>
    protected virtual void OnScheduled(long dueTicks)
    {
    }

    private void Enqueue(ScheduledItem item, long due)
    {
        lock (Gate)
        {
            _queue.Enqueue(item, (due, _seq++));
        }

        OnScheduled(due);
    }

    /// <summary>Number of pending (not cancelled) scheduled actions.</summary>
    public int PendingCount
    {
        get
        {
            lock (Gate)
            {
                return _queue.UnorderedItems.Count(i => !i.Element.IsCancellationRequested);
            }
        }
    }

    /// <summary>Due time of the earliest pending item, or null.</summary>
    protected long? NextDue()
    {
        lock (Gate)
        {
            while (_queue.TryPeek(out var item, out var pri))
            {
                if (!item.IsCancellationRequested)
                {
                    return pri.Due;
                }

                _queue.Dequeue();
            }

            return null;
        }
    }

    /// <summary>
    /// Runs every item due at or before <paramref name="upToTicks"/>, earliest first. <paramref name="onDue"/>
    /// is told each item's due time before it runs (the virtual scheduler moves its clock there).
    /// </summary>
    protected int RunDue(long upToTicks, Action<long>? onDue = null)
    {
        var ran = 0;
        while (true)
        {
            ScheduledItem item;
            long due;
            lock (Gate)
            {
                if (!_queue.TryPeek(out item!, out var pri) || pri.Due > upToTicks)
                {
                    return ran;
                }

                _queue.Dequeue();
                due = pri.Due;
            }

            if (item.IsCancellationRequested)
            {
                continue;
            }

            onDue?.Invoke(due);
            if (item.Interval > 0)
            {
                // Fixed rate; a late repeat is not run twice to catch up.
                var next = Math.Max(due + item.Interval, onDue is null ? NowTicks : due + item.Interval);
                lock (Gate)
                {
                    _queue.Enqueue(item, (next, _seq++));
                }

                OnScheduled(next);
            }
            else
            {
                item.Cancel();
            }

            try
            {
                item.Action();
            }
#pragma warning disable CA1031 // A failing timer action must not stop the scheduler.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ActionFailed?.Invoke(this, ex);
            }

            ran++;
        }
    }

    private sealed class ScheduledItem(Action action, long interval) : ICancelable
    {
        private volatile bool _cancelled;

        public Action Action { get; } = action;

        public long Interval { get; } = interval;

        public bool IsCancellationRequested => _cancelled;

        public void Cancel() => _cancelled = true;
    }
}

/// <summary>
/// The real-time scheduler: a priority queue plus one thread-pool <see cref="Timer"/> re-armed for the
/// earliest due item. Deviation from Akka's hashed wheel (10 ms ticks): firing is as precise as the OS
/// timer (about 1–15 ms late), never early.
/// </summary>
public sealed class RealTimeScheduler : SchedulerBase, IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private readonly Timer _timer;
    private long _armedFor = long.MaxValue;
    private int _running;
    private bool _missed;
    private volatile bool _disposed;

    /// <summary>Creates and starts the scheduler.</summary>
    public RealTimeScheduler()
    {
        _timer = new Timer(static s => ((RealTimeScheduler)s!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <inheritdoc />
    public override DateTimeOffset Now => _start + _clock.Elapsed;

    /// <inheritdoc />
    protected override long NowTicks => _clock.Elapsed.Ticks;

    /// <inheritdoc />
    protected override void OnScheduled(long dueTicks)
    {
        if (_disposed)
        {
            return;
        }

        lock (Gate)
        {
            if (dueTicks >= _armedFor)
            {
                return;
            }

            _armedFor = dueTicks;
            Arm(dueTicks);
        }
    }

    private void Arm(long dueTicks)
    {
        var ms = (long)Math.Ceiling((dueTicks - NowTicks) / (double)TimeSpan.TicksPerMillisecond);
        try
        {
            _timer.Change(Math.Max(0, ms), Timeout.Infinite);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Tick()
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            // Another tick is running: make it loop once more instead of losing this wake-up.
            Volatile.Write(ref _missed, true);
            return;
        }

        try
        {
            do
            {
                Volatile.Write(ref _missed, false);
                lock (Gate)
                {
                    _armedFor = long.MaxValue;
                }

                RunDue(NowTicks);
            }
            while (Volatile.Read(ref _missed));
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }

        if (NextDue() is { } due)
        {
            lock (Gate)
            {
                if (due < _armedFor)
                {
                    _armedFor = due;
                    Arm(due);
                }
            }
        }
    }

    /// <summary>Stops the timer; pending actions never run.</summary>
    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }
}

/// <summary>
/// Virtual-time scheduler (Akka.TestKit's <c>TestScheduler</c>): the clock moves only when the test calls
/// <see cref="Advance"/> / <see cref="AdvanceTo"/>. Due actions run synchronously on the advancing thread,
/// in due-time order and, for equal due times, in insertion order; the clock is set to each action's due
/// time while it runs. Actions scheduled while advancing also run if they fall due within the advance.
/// </summary>
public sealed class VirtualTimeScheduler : SchedulerBase
{
    private readonly object _advanceLock = new();
    private readonly DateTimeOffset _start;
    private long _now;

    /// <summary>Creates the scheduler with its clock at <paramref name="start"/> (default: 2000-01-01 UTC).</summary>
    public VirtualTimeScheduler(DateTimeOffset? start = null) =>
        _start = start ?? new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    public override DateTimeOffset Now => _start + TimeSpan.FromTicks(NowTicks);

    /// <inheritdoc />
    protected override long NowTicks => Interlocked.Read(ref _now);

    /// <summary>Moves the clock forward by <paramref name="by"/>, running every action that falls due.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_advanceLock)
        {
            AdvanceToTicks(NowTicks + by.Ticks);
        }
    }

    /// <summary>Moves the clock to the given monotonic time (no-op if already past it).</summary>
    public void AdvanceTo(TimeSpan monotonicTime)
    {
        lock (_advanceLock)
        {
            AdvanceToTicks(Math.Max(NowTicks, monotonicTime.Ticks));
        }
    }

    /// <summary>Due time of the next pending action, or null when nothing is scheduled.</summary>
    public TimeSpan? NextDueTime => NextDue() is { } t ? TimeSpan.FromTicks(t) : null;

    private void AdvanceToTicks(long target)
    {
        RunDue(target, due => Interlocked.Exchange(ref _now, Math.Max(_now, due)));
        Interlocked.Exchange(ref _now, target);
    }
}
