using System.Diagnostics;
using VSwarm.Runtime;
using Xunit.Sdk;

namespace VSwarm.TestKit;

/// <summary>
/// Akka.TestKit's <c>TestKitBase</c>: a TestActor whose messages are queued for the test, and the
/// expectation API (ExpectMsg…, ExpectNoMsg, Within, AwaitAssert…) with Akka's timing rules. Timeouts
/// given explicitly are dilated by the time factor; without one, an expectation uses the time left in
/// the enclosing <see cref="Within(TimeSpan, TimeSpan, Action, string?)"/> block, else the dilated
/// single-expect default (3 s). All waits are real time, also in virtual-time mode: virtual time
/// decides <em>when</em> timers fire, the expectations wait for the actor threads to deliver.
/// </summary>
public abstract class TestKitBase
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static int s_actorCounter;

    private readonly TestActorState _state = new();
    private readonly Stack<MessageEnvelope> _pushedBack = new();
    private TimeSpan? _end;
    private bool _lastWasNoMsg;

    /// <summary>Creates the TestActor in <paramref name="system"/>.</summary>
    protected TestKitBase(ActorSystem system, TestKitSettings settings, string? testActorName = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        Sys = system;
        TestKitSettings = settings;
        var name = testActorName ?? "testActor" + Interlocked.Increment(ref s_actorCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var state = _state;
        TestActor = system.SystemActorOf(Props.Create(() => new TestActor(state)), name);
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The settings.</summary>
    public TestKitSettings TestKitSettings { get; }

    /// <summary>The actor whose received messages the expectations read.</summary>
    public IActorRef TestActor { get; }

    /// <summary>The sender of the last message received by an expectation.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>The last message received by an expectation.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>The time factor.</summary>
    public double TimeFactor => TestKitSettings.TimeFactor;

    /// <summary>True when a message is waiting in the TestActor's queue.</summary>
    public bool HasMessages => _pushedBack.Count > 0 || _state.Queue.Count > 0;

    /// <summary>Real monotonic time (for Within bookkeeping).</summary>
    protected static TimeSpan Now => Clock.Elapsed;

    /// <summary>Multiplies <paramref name="duration"/> by the time factor (infinite stays infinite).</summary>
    public TimeSpan Dilated(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan || duration == TimeSpan.MaxValue ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TimeFactor));

    /// <summary>Time left in the enclosing Within block (throws outside one).</summary>
    public TimeSpan Remaining => _end is { } end
        ? Max(end - Now, TimeSpan.Zero)
        : throw new InvalidOperationException("Remaining may only be used inside Within");

    /// <summary>Time left in the enclosing Within block, else the dilated single-expect default.</summary>
    public TimeSpan RemainingOrDefault => _end is { } end ? Max(end - Now, TimeSpan.Zero) : Dilated(TestKitSettings.SingleExpectDefault);

    /// <summary>The dilated <paramref name="duration"/> if given, else <see cref="RemainingOrDefault"/>.</summary>
    public TimeSpan RemainingOrDilated(TimeSpan? duration) => duration is { } d ? Dilated(d) : RemainingOrDefault;

    // ------------------------------------------------------------------ configuration of the TestActor

    /// <summary>Ignores (does not queue) messages for which <paramref name="shouldIgnore"/> returns true.</summary>
    public void IgnoreMessages(Func<object, bool> shouldIgnore) => _state.Ignore = shouldIgnore;

    /// <summary>Ignores messages of type <typeparamref name="T"/> (matching <paramref name="shouldIgnore"/> if given).</summary>
    public void IgnoreMessages<T>(Func<T, bool>? shouldIgnore = null) =>
        _state.Ignore = m => m is T t && (shouldIgnore is null || shouldIgnore(t));

    /// <summary>Stops ignoring messages.</summary>
    public void IgnoreNoMessages() => _state.Ignore = null;

    /// <summary>Installs an auto pilot that runs in the TestActor for each received message.</summary>
    public void SetAutoPilot(AutoPilot pilot) => _state.AutoPilot = pilot;

    /// <summary>Makes the TestActor watch <paramref name="actor"/>; returns once the watch is in place.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        SendWatch(actor, true);
        return actor;
    }

    /// <summary>Makes the TestActor stop watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        SendWatch(actor, false);
        return actor;
    }

    private void SendWatch(IActorRef actor, bool watch)
    {
        using var done = new ManualResetEventSlim();
        TestActor.Tell(new WatchCommand(actor, watch, done), ActorRefs.Nobody);
        if (!done.Wait(Dilated(TimeSpan.FromSeconds(3))))
        {
            throw new XunitException($"TestActor did not acknowledge {(watch ? "Watch" : "Unwatch")} of {actor}");
        }
    }

    // ------------------------------------------------------------------ receiving

    /// <summary>Receives one message within <paramref name="max"/> (zero: only if one is queued); null on timeout.</summary>
    public MessageEnvelope? ReceiveOne(TimeSpan? max = null) => ReceiveOneExact(RemainingOrDilated(max));

    /// <summary>Receives one message waiting at most <paramref name="timeout"/> (already dilated).</summary>
    private MessageEnvelope? ReceiveOneExact(TimeSpan timeout)
    {
        MessageEnvelope? env;
        if (_pushedBack.Count > 0)
        {
            env = _pushedBack.Pop();
        }
        else if (!_state.Queue.TryTake(out env, ClampTimeout(timeout)))
        {
            env = null;
        }

        if (env is not null)
        {
            LastMessage = env.Message;
            LastSender = env.Sender;
        }

        return env;
    }

    private static int ClampTimeout(TimeSpan t)
    {
        if (t == Timeout.InfiniteTimeSpan)
        {
            return Timeout.Infinite;
        }

        var ms = t.TotalMilliseconds;
        return ms <= 0 ? 0 : ms >= int.MaxValue ? int.MaxValue : (int)Math.Ceiling(ms);
    }

    private MessageEnvelope ReceiveOrFail(TimeSpan timeout, string what, string? hint)
    {
        var env = ReceiveOneExact(timeout);
        return env ?? throw new XunitException($"Timeout ({timeout}) during {what}{Hint(hint)}");
    }

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? string.Empty : " (" + hint + ")";

    // ------------------------------------------------------------------ ExpectMsg family

    /// <summary>Expects a message of type <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null) =>
        InternalExpectMsg<T>(timeout, null, hint);

    /// <summary>Expects a message equal to <paramref name="message"/>.</summary>
    public T ExpectMsg<T>(T message, TimeSpan? timeout = null, string? hint = null) =>
        InternalExpectMsg<T>(timeout, (m, _) =>
        {
            if (!Equals(m, message))
            {
                throw new XunitException($"ExpectMsg: expected {Show(message)} but received {Show(m)}{Hint(hint)}");
            }
        }, hint);

    /// <summary>Expects a message of type <typeparamref name="T"/> that satisfies <paramref name="isMessage"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        return InternalExpectMsg<T>(timeout, (m, _) =>
        {
            if (!isMessage(m))
            {
                throw new XunitException($"ExpectMsg: the predicate rejected {Show(m)}{Hint(hint)}");
            }
        }, hint);
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> and runs the assertion on it.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(assert);
        return InternalExpectMsg<T>(timeout, (m, _) => assert(m), hint);
    }

    /// <summary>Expects a message of type <typeparamref name="T"/>; the predicate also sees the sender.</summary>
    public T ExpectMsg<T>(Func<T, IActorRef, bool> isMessageAndSender, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessageAndSender);
        return InternalExpectMsg<T>(timeout, (m, s) =>
        {
            if (!isMessageAndSender(m, s))
            {
                throw new XunitException($"ExpectMsg: the predicate rejected {Show(m)} from {s}{Hint(hint)}");
            }
        }, hint);
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> from <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, TimeSpan? timeout = null, string? hint = null) =>
        InternalExpectMsg<T>(timeout, (m, s) => CheckSender(sender, s, m, hint), hint);

    /// <summary>Expects <paramref name="message"/> from <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, T message, TimeSpan? timeout = null, string? hint = null) =>
        InternalExpectMsg<T>(timeout, (m, s) =>
        {
            CheckSender(sender, s, m, hint);
            if (!Equals(m, message))
            {
                throw new XunitException($"ExpectMsgFrom: expected {Show(message)} but received {Show(m)}{Hint(hint)}");
            }
        }, hint);

    /// <summary>Expects a message from <paramref name="sender"/> satisfying <paramref name="isMessage"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null) =>
        InternalExpectMsg<T>(timeout, (m, s) =>
        {
            CheckSender(sender, s, m, hint);
            if (!isMessage(m))
            {
                throw new XunitException($"ExpectMsgFrom: the predicate rejected {Show(m)}{Hint(hint)}");
            }
        }, hint);

    private static void CheckSender(IActorRef expected, IActorRef actual, object? m, string? hint)
    {
        if (!Equals(expected, actual))
        {
            throw new XunitException($"ExpectMsgFrom: expected sender {expected} but {Show(m)} came from {actual}{Hint(hint)}");
        }
    }

    private T InternalExpectMsg<T>(TimeSpan? timeout, Action<T, IActorRef>? check, string? hint)
    {
        var t = RemainingOrDilated(timeout);
        var env = ReceiveOrFail(t, $"ExpectMsg while waiting for {typeof(T).Name}", hint);
        _lastWasNoMsg = false;
        if (env.Message is not T typed)
        {
            throw new XunitException($"ExpectMsg: expected a message of type {typeof(T)} but received {Show(env.Message)} from {env.Sender}{Hint(hint)}");
        }

        check?.Invoke(typed, env.Sender);
        return typed;
    }

    /// <summary>Expects one message equal to any of <paramref name="messages"/>.</summary>
    public T ExpectMsgAnyOf<T>(params T[] messages) => InternalExpectMsgAnyOf(null, messages);

    /// <summary>Expects one message equal to any of <paramref name="messages"/>, within <paramref name="timeout"/>.</summary>
    public T ExpectMsgAnyOf<T>(TimeSpan timeout, params T[] messages) => InternalExpectMsgAnyOf(timeout, messages);

    private T InternalExpectMsgAnyOf<T>(TimeSpan? timeout, T[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return InternalExpectMsg<T>(timeout, (m, _) =>
        {
            if (!messages.Any(x => Equals(x, m)))
            {
                throw new XunitException($"ExpectMsgAnyOf: {Show(m)} is none of [{string.Join(", ", messages.Select(x => Show(x)))}]");
            }
        }, null);
    }

    /// <summary>Expects exactly the given messages, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] messages) => InternalExpectMsgAllOf(null, messages);

    /// <summary>Expects exactly the given messages, in any order, all within <paramref name="timeout"/>.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan timeout, params T[] messages) => InternalExpectMsgAllOf(timeout, messages);

    private List<T> InternalExpectMsgAllOf<T>(TimeSpan? timeout, T[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var stop = Now + RemainingOrDilated(timeout);
        var missing = messages.ToList();
        var received = new List<T>();
        while (missing.Count > 0)
        {
            var env = ReceiveOneExact(Max(stop - Now, TimeSpan.Zero))
                      ?? throw new XunitException($"ExpectMsgAllOf: timeout; still missing [{string.Join(", ", missing.Select(x => Show(x)))}]");
            if (env.Message is not T t)
            {
                throw new XunitException($"ExpectMsgAllOf: unexpected {Show(env.Message)}; still missing [{string.Join(", ", missing.Select(x => Show(x)))}]");
            }

            var idx = missing.FindIndex(x => Equals(x, t));
            if (idx < 0)
            {
                throw new XunitException($"ExpectMsgAllOf: unexpected {Show(t)}; still missing [{string.Join(", ", missing.Select(x => Show(x)))}]");
            }

            missing.RemoveAt(idx);
            received.Add(t);
        }

        _lastWasNoMsg = false;
        return received;
    }

    /// <summary>Expects the <see cref="Terminated"/> of <paramref name="target"/> (watch it first with <see cref="Watch"/>).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null, string? hint = null) =>
        ExpectMsg<Terminated>(t => t.ActorRef.Equals(target), timeout, hint ?? $"Terminated of {target}");

    /// <summary>
    /// Expects no message for <paramref name="duration"/> (dilated; default: remaining or 3 s). Fails at
    /// once if a message is already queued.
    /// </summary>
    public void ExpectNoMsg(TimeSpan? duration = null, string? hint = null)
    {
        var d = RemainingOrDilated(duration);
        var env = ReceiveOneExact(d);
        _lastWasNoMsg = true;
        if (env is not null)
        {
            throw new XunitException($"ExpectNoMsg: expected no message during {d}, got {Show(env.Message)} from {env.Sender}{Hint(hint)}");
        }
    }

    /// <summary>Skips messages until one of type <typeparamref name="T"/> satisfies <paramref name="isMessage"/>.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var stop = Now + RemainingOrDilated(max);
        while (true)
        {
            var left = Max(stop - Now, TimeSpan.Zero);
            var env = ReceiveOneExact(left) ?? throw new XunitException($"FishForMessage: timeout ({left}) while fishing for {typeof(T).Name}{Hint(hint)}");
            if (env.Message is T t && isMessage(t))
            {
                _lastWasNoMsg = false;
                return t;
            }
        }
    }

    /// <summary>Skips messages until one satisfies <paramref name="isMessage"/>.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string? hint = null) =>
        FishForMessage<object>(isMessage, max, hint);

    /// <summary>Receives <paramref name="count"/> messages within <paramref name="max"/> (default: remaining or 3 s).</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? max = null)
    {
        var stop = Now + RemainingOrDilated(max);
        var list = new List<object>(count);
        for (var i = 0; i < count; i++)
        {
            var env = ReceiveOneExact(Max(stop - Now, TimeSpan.Zero))
                      ?? throw new XunitException($"ReceiveN: timeout after {i} of {count} messages");
            list.Add(env.Message);
        }

        _lastWasNoMsg = false;
        return list;
    }

    /// <summary>
    /// Receives while <paramref name="filter"/> maps messages to non-null results, at most
    /// <paramref name="msgs"/> messages, until <paramref name="max"/> passes or no message arrives for
    /// <paramref name="idle"/>. The first rejected message stays queued.
    /// </summary>
    public IReadOnlyList<T> ReceiveWhile<T>(Func<object, T?> filter, TimeSpan? max = null, TimeSpan? idle = null, int msgs = int.MaxValue)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(filter);
        var stop = Now + RemainingOrDilated(max);
        var list = new List<T>();
        while (list.Count < msgs)
        {
            var left = Max(stop - Now, TimeSpan.Zero);
            if (idle is { } i)
            {
                left = Min(left, Dilated(i));
            }

            var env = ReceiveOneExact(left);
            if (env is null)
            {
                break;
            }

            var r = filter(env.Message);
            if (r is null)
            {
                _pushedBack.Push(env);
                break;
            }

            list.Add(r);
        }

        _lastWasNoMsg = true;
        return list;
    }

    /// <summary>Receives messages of type <typeparamref name="T"/> while <paramref name="shouldContinue"/> holds.</summary>
    public IReadOnlyList<T> ReceiveWhile<T>(Predicate<T> shouldContinue, TimeSpan? max = null, TimeSpan? idle = null, int msgs = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(shouldContinue);
        var boxed = ReceiveWhile<object>(m => m is T t && shouldContinue(t) ? m : null, max, idle, msgs);
        return boxed.Cast<T>().ToList();
    }

    // ------------------------------------------------------------------ Within

    /// <summary>Runs <paramref name="action"/>, which must finish within <paramref name="max"/> (dilated); nested expectations inherit the deadline.</summary>
    public void Within(TimeSpan max, Action action, string? hint = null) => Within(TimeSpan.Zero, max, action, hint);

    /// <summary>Runs <paramref name="action"/>, which must take at least <paramref name="min"/> and at most <paramref name="max"/> (dilated).</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within<object?>(min, max, () =>
        {
            action();
            return null;
        }, hint);
    }

    /// <summary>As <see cref="Within(TimeSpan, TimeSpan, Action, string?)"/>, returning the function's result.</summary>
    public T Within<T>(TimeSpan max, Func<T> function, string? hint = null) => Within(TimeSpan.Zero, max, function, hint);

    /// <summary>As <see cref="Within(TimeSpan, TimeSpan, Action, string?)"/>, returning the function's result.</summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var start = Now;
        var maxDiff = EnterWithin(max, start, out var previous);
        T result;
        try
        {
            _lastWasNoMsg = false;
            result = function();
        }
        finally
        {
            _end = previous;
        }

        CheckWithin(min, maxDiff, start, hint);
        return result;
    }

    /// <summary>Async form of Within.</summary>
    public async Task WithinAsync(TimeSpan min, TimeSpan max, Func<Task> function, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var start = Now;
        var maxDiff = EnterWithin(max, start, out var previous);
        try
        {
            _lastWasNoMsg = false;
            await function();
        }
        finally
        {
            _end = previous;
        }

        CheckWithin(min, maxDiff, start, hint);
    }

    private TimeSpan EnterWithin(TimeSpan max, TimeSpan start, out TimeSpan? previous)
    {
        var dilated = Dilated(max);
        var rem = _end is { } e ? e - start : TimeSpan.MaxValue;
        var maxDiff = Min(dilated, rem);
        previous = _end;
        _end = start + maxDiff;
        return maxDiff;
    }

    private void CheckWithin(TimeSpan min, TimeSpan maxDiff, TimeSpan start, string? hint)
    {
        var diff = Now - start;
        if (diff < min)
        {
            throw new XunitException($"Within: block took {diff}, should have been at least {min}{Hint(hint)}");
        }

        if (!_lastWasNoMsg && diff > maxDiff)
        {
            throw new XunitException($"Within: block took {diff}, exceeding {maxDiff}{Hint(hint)}");
        }
    }

    // ------------------------------------------------------------------ polling

    /// <summary>Retries <paramref name="assertion"/> every <paramref name="interval"/> (100 ms) until it passes or the time is up; then rethrows its last failure.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var stop = Now + RemainingOrDilated(duration);
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (Now < stop)
            {
                Thread.Sleep(Min(step, Max(stop - Now, TimeSpan.Zero)));
            }
        }
    }

    /// <summary>Async form of <see cref="AwaitAssert"/>.</summary>
    public async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var stop = Now + RemainingOrDilated(duration);
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (Now < stop)
            {
                await Task.Delay(Min(step, Max(stop - Now, TimeSpan.Zero)));
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> (100 ms) until true; fails when <paramref name="max"/> passes.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var d = RemainingOrDilated(max);
        var stop = Now + d;
        var step = interval ?? TimeSpan.FromMilliseconds(100);
        while (!condition())
        {
            if (Now >= stop)
            {
                throw new XunitException($"AwaitCondition: timeout {d} expired{Hint(message)}");
            }

            Thread.Sleep(Min(step, Max(stop - Now, TimeSpan.Zero)));
        }
    }

    /// <summary>Completes the TestActor's queue (no more messages are recorded).</summary>
    protected void CompleteQueue() => _state.Queue.CompleteAdding();

    internal static string Show(object? o) => o switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        _ => $"{o} ({o.GetType().Name})",
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
