namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>ITimerScheduler</c>: keyed timers owned by one actor. Starting a timer with a key that is in
/// use replaces it. All timers are cancelled when the actor restarts or stops. A timer message already
/// queued when its timer was cancelled or replaced is not delivered (each start gets a new generation).
/// Timer messages arrive with the actor itself as sender.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="msg"/> every <paramref name="interval"/>, first after one interval.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan interval);

    /// <summary>Sends <paramref name="msg"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>Sends <paramref name="msg"/> once after <paramref name="timeout"/>.</summary>
    void StartSingleTimer(object key, object msg, TimeSpan timeout);

    /// <summary>True while the timer with that key is pending.</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels one timer.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();

    /// <summary>Keys of the active timers.</summary>
    IReadOnlyCollection<object> ActiveTimers { get; }
}

/// <summary>
/// Akka's <c>IWithTimers</c>: implement it and the runtime assigns <see cref="Timers"/> right after the
/// constructor returns (so start timers in PreStart or in handlers, as in Akka).
/// </summary>
public interface IWithTimers
{
    /// <summary>The actor's timers (set by the runtime).</summary>
    ITimerScheduler Timers { get; set; }
}

/// <summary>The message a timer actually sends; unwrapped by the cell if still current.</summary>
internal sealed class TimerMessage(object key, int generation, TimerScheduler owner, object message)
    : IAutoReceivedMessage
{
    public object Key { get; } = key;

    public int Generation { get; } = generation;

    public TimerScheduler Owner { get; } = owner;

    public object Message { get; } = message;
}

internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];
    private int _generation;

    public IReadOnlyCollection<object> ActiveTimers => _timers.Keys.ToArray();

    public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => Start(key, msg, interval, interval, true);

    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, msg, initialDelay, interval, true);

    public void StartSingleTimer(object key, object msg, TimeSpan timeout) => Start(key, msg, timeout, TimeSpan.Zero, false);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var e))
        {
            e.Task.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var e in _timers.Values)
        {
            e.Task.Cancel();
        }

        _timers.Clear();
    }

    /// <summary>Returns the user message if the timer message is still current, else null (stale).</summary>
    public object? Intercept(TimerMessage tm)
    {
        if (!ReferenceEquals(tm.Owner, this) || !_timers.TryGetValue(tm.Key, out var e) || e.Generation != tm.Generation)
        {
            return null;
        }

        if (!e.Repeat)
        {
            _timers.Remove(tm.Key);
        }

        return tm.Message;
    }

    private void Start(object key, object msg, TimeSpan initialDelay, TimeSpan interval, bool repeat)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(msg);
        Cancel(key);
        var gen = ++_generation;
        var self = cell.Self;
        var tm = new TimerMessage(key, gen, this, msg);
        var scheduler = cell.System.Scheduler;
        var task = repeat
            ? scheduler.ScheduleRepeatedly(initialDelay, interval, () => self.Tell(tm, self))
            : scheduler.ScheduleOnce(initialDelay, () => self.Tell(tm, self));
        _timers[key] = new Entry(gen, repeat, task);
    }

    private sealed record Entry(int Generation, bool Repeat, ICancelable Task);
}
