using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using Xunit.Sdk;

namespace VSwarm.TestKit;

/// <summary>
/// Akka.TestKit's <c>EventFilterFactory</c>: builds filters over the log events and dead letters published
/// on the system's EventStream. <c>EventFilter.Exception&lt;T&gt;().ExpectOne(() => ...)</c> runs the
/// action and waits (filter leeway, 3 s dilated) until exactly one matching event was seen. Matched events
/// are muted (not written to the test output). Message criteria: <c>message</c> = exact text,
/// <c>start</c> = prefix, <c>contains</c> = substring; for exceptions they match the event text or the
/// exception's message.
/// </summary>
public sealed class EventFilterFactory
{
    private readonly TestKit _kit;
    private readonly TestEventListener _listener;

    internal EventFilterFactory(TestKit kit, TestEventListener listener)
    {
        _kit = kit;
        _listener = listener;
    }

    /// <summary>Error events whose cause is a <typeparamref name="T"/> (or an initialization failure caused by one).</summary>
    public EventFilterApplier Exception<T>(string? message = null, string? start = null, string? contains = null, string? source = null)
        where T : Exception => Exception(typeof(T), message, start, contains, source);

    /// <summary>Error events whose cause is of <paramref name="exceptionType"/>.</summary>
    public EventFilterApplier Exception(Type exceptionType, string? message = null, string? start = null, string? contains = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(exceptionType);
        return Make(e =>
        {
            if (e is not Error { Cause: { } cause } err)
            {
                return false;
            }

            var hit = exceptionType.IsInstanceOfType(cause) ? cause
                : cause is ActorInitializationException { InnerException: { } inner } && exceptionType.IsInstanceOfType(inner) ? inner
                : null;
            return hit is not null && SourceMatches(err, source) &&
                   (TextMatches(err.Message?.ToString(), message, start, contains) || TextMatches(hit.Message, message, start, contains));
        });
    }

    /// <summary>Error events.</summary>
    public EventFilterApplier Error(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level<Error>(message, start, contains, source);

    /// <summary>Warning events.</summary>
    public EventFilterApplier Warning(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level<Warning>(message, start, contains, source);

    /// <summary>Info events.</summary>
    public EventFilterApplier Info(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level<Info>(message, start, contains, source);

    /// <summary>Debug events.</summary>
    public EventFilterApplier Debug(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level<Debug>(message, start, contains, source);

    /// <summary>Dead letters whose message is a <typeparamref name="T"/> (matching <paramref name="isMatch"/> if given).</summary>
    public EventFilterApplier DeadLetter<T>(Func<T, bool>? isMatch = null) =>
        Make(e => e is DeadLetter { Message: T t } && (isMatch is null || isMatch(t)));

    /// <summary>Any dead letter.</summary>
    public EventFilterApplier DeadLetter() => Make(e => e is DeadLetter);

    /// <summary>Log events matching <paramref name="predicate"/>.</summary>
    public EventFilterApplier Custom(Func<LogEvent, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Make(e => e is LogEvent l && predicate(l));
    }

    /// <summary>Events of type <typeparamref name="T"/> (log events, dead letters, dropped messages…) matching <paramref name="predicate"/>.</summary>
    public EventFilterApplier Custom<T>(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Make(e => e is T t && predicate(t));
    }

    private EventFilterApplier Level<T>(string? message, string? start, string? contains, string? source)
        where T : LogEvent =>
        Make(e => e is T l && SourceMatches(l, source) && TextMatches(l.Message?.ToString(), message, start, contains));

    private EventFilterApplier Make(Func<object, bool> predicate) => new(_kit, _listener, predicate);

    private static bool SourceMatches(LogEvent e, string? source) =>
        source is null || string.Equals(e.LogSource, source, StringComparison.Ordinal);

    private static bool TextMatches(string? text, string? message, string? start, string? contains)
    {
        text ??= string.Empty;
        return (message is null || string.Equals(text, message, StringComparison.Ordinal)) &&
               (start is null || text.StartsWith(start, StringComparison.Ordinal)) &&
               (contains is null || text.Contains(contains, StringComparison.Ordinal));
    }
}

/// <summary>Akka.TestKit's <c>IEventFilterApplier</c>: run code while counting (and muting) matching events.</summary>
public sealed class EventFilterApplier
{
    private readonly TestKit _kit;
    private readonly TestEventListener _listener;
    private readonly Func<object, bool> _predicate;

    internal EventFilterApplier(TestKit kit, TestEventListener listener, Func<object, bool> predicate)
    {
        _kit = kit;
        _listener = listener;
        _predicate = predicate;
    }

    /// <summary>Runs <paramref name="action"/> and expects exactly one matching event.</summary>
    public void ExpectOne(Action action, TimeSpan? timeout = null) => Expect(1, action, timeout);

    /// <summary>Runs <paramref name="function"/> and expects exactly one matching event; returns its result.</summary>
    public T ExpectOne<T>(Func<T> function, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        T result = default!;
        Expect(1, () => result = function(), timeout);
        return result;
    }

    /// <summary>Async form of <see cref="ExpectOne(Action, TimeSpan?)"/>.</summary>
    public Task ExpectOneAsync(Func<Task> action, TimeSpan? timeout = null) => ExpectAsync(1, action, timeout);

    /// <summary>Runs <paramref name="action"/> and expects exactly <paramref name="expectedCount"/> matching events.</summary>
    public void Expect(int expectedCount, Action action, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var filter = _listener.Add(_predicate);
        try
        {
            action();
            Await(filter, expectedCount, timeout);
        }
        finally
        {
            _listener.Remove(filter);
        }
    }

    /// <summary>Async form of <see cref="Expect"/>.</summary>
    public async Task ExpectAsync(int expectedCount, Func<Task> action, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var filter = _listener.Add(_predicate);
        try
        {
            await action();
            Await(filter, expectedCount, timeout);
        }
        finally
        {
            _listener.Remove(filter);
        }
    }

    /// <summary>Mutes matching events until the returned handle is disposed.</summary>
    public IDisposable Mute()
    {
        var filter = _listener.Add(_predicate);
        return new Unmute(_listener, filter);
    }

    /// <summary>Mutes matching events while <paramref name="action"/> runs.</summary>
    public void Mute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        using (Mute())
        {
            action();
        }
    }

    private void Await(TestEventListener.ActiveFilter filter, int expected, TimeSpan? timeout)
    {
        var max = timeout is { } t ? _kit.Dilated(t) : _kit.Dilated(_kit.TestKitSettings.FilterLeeway);
        var deadline = DateTime.UtcNow + max;
        while (filter.Count < expected)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            filter.Changed.WaitOne(left);
        }

        var actual = filter.Count;
        if (actual != expected)
        {
            throw new XunitException(actual < expected
                ? $"EventFilter: timeout ({max}) waiting for {expected} event(s), got {actual}"
                : $"EventFilter: received {actual} event(s), expected {expected}");
        }
    }

    private sealed class Unmute(TestEventListener listener, TestEventListener.ActiveFilter filter) : IDisposable
    {
        public void Dispose() => listener.Remove(filter);
    }
}

/// <summary>Akka.TestKit's <c>TestEventListener</c>: sees every event synchronously; applies filters; forwards the rest to output.</summary>
internal sealed class TestEventListener(Action<LogEvent> output)
{
    private readonly object _gate = new();
    private ActiveFilter[] _filters = [];

    public ActiveFilter Add(Func<object, bool> predicate)
    {
        var f = new ActiveFilter(predicate);
        lock (_gate)
        {
            _filters = [.. _filters, f];
        }

        return f;
    }

    public void Remove(ActiveFilter filter)
    {
        lock (_gate)
        {
            _filters = _filters.Where(f => !ReferenceEquals(f, filter)).ToArray();
        }
    }

    public void OnEvent(object e)
    {
        if (e is not (LogEvent or DeadLetter or Dropped or UnhandledMessage))
        {
            return;
        }

        foreach (var f in Volatile.Read(ref _filters))
        {
            if (f.Predicate(e))
            {
                f.Hit();
                return; // muted
            }
        }

        if (e is LogEvent l)
        {
            output(l);
        }
    }

    internal sealed class ActiveFilter(Func<object, bool> predicate)
    {
        private int _count;

        public Func<object, bool> Predicate { get; } = predicate;

        public AutoResetEvent Changed { get; } = new(false);

        public int Count => Volatile.Read(ref _count);

        public void Hit()
        {
            Interlocked.Increment(ref _count);
            Changed.Set();
        }
    }
}
