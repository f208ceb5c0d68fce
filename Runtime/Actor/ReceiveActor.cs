namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>ReceiveActor</c>: register typed handlers in the constructor (or inside a Become
/// configure action). Handlers are tried in registration order and the first match wins;
/// <see cref="ReceiveAny(Action{object})"/> must come last. <see cref="ReceiveAsync{T}"/> suspends the
/// mailbox until the task ends; its continuations run as the actor (Self and Sender keep working), and
/// a faulted task is an ordinary actor failure.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private List<Handler>? _configuring = [];
    private Handler[] _initial = [];

    /// <inheritdoc />
    protected sealed override bool Receive(object message) => Dispatch(_initial, message);

    internal override void OnConstructed()
    {
        _initial = [.. _configuring!];
        _configuring = null;
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> (optionally only those matching <paramref name="shouldHandle"/>).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new SyncHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> matching <paramref name="shouldHandle"/>.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) => Receive(handler, shouldHandle);

    /// <summary>Handles <typeparamref name="T"/>; the handler returns false to pass the message on to later handlers.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new FuncHandler<T>(handler));
    }

    /// <summary>Handles <typeparamref name="T"/> asynchronously, without interleaving other messages.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new AsyncHandler<T>(Cell, handler, shouldHandle));
    }

    /// <summary>Handles <typeparamref name="T"/> matching <paramref name="shouldHandle"/> asynchronously.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler) => ReceiveAsync(handler, shouldHandle);

    /// <summary>Handles any message (register last).</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new SyncHandler<object>(handler, null));
    }

    /// <summary>Handles any message asynchronously (register last).</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new AsyncHandler<object>(Cell, handler, null));
    }

    /// <summary>Replaces the behaviour with the handlers registered by <paramref name="configure"/>.</summary>
    protected void Become(Action configure) => Become(Build(configure));

    /// <summary>Pushes the handlers registered by <paramref name="configure"/> as a new behaviour.</summary>
    protected void BecomeStacked(Action configure) => BecomeStacked(Build(configure));

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var saved = _configuring;
        var list = new List<Handler>();
        _configuring = list;
        try
        {
            configure();
        }
        finally
        {
            _configuring = saved;
        }

        var handlers = list.ToArray();
        return m => Dispatch(handlers, m);
    }

    private void Add(Handler h)
    {
        if (_configuring is null)
        {
            throw new InvalidOperationException(
                "Receive handlers can only be registered in the constructor or inside a Become(configure) action.");
        }

        _configuring.Add(h);
    }

    private static bool Dispatch(Handler[] handlers, object message)
    {
        foreach (var h in handlers)
        {
            if (h.TryHandle(message))
            {
                return true;
            }
        }

        return false;
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class SyncHandler<T>(Action<T> handler, Predicate<T>? predicate) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T t && (predicate is null || predicate(t)))
            {
                handler(t);
                return true;
            }

            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> handler) : Handler
    {
        public override bool TryHandle(object message) => message is T t && handler(t);
    }

    private sealed class AsyncHandler<T>(ActorCell cell, Func<T, Task> handler, Predicate<T>? predicate) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T t && (predicate is null || predicate(t)))
            {
                cell.RunTask(() => handler(t));
                return true;
            }

            return false;
        }
    }
}
