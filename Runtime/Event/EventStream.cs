namespace VSwarm.Runtime.Event;

/// <summary>
/// Akka's <c>EventStream</c>: publish/subscribe by event type inside one actor system. A subscription to
/// a base type (or interface) receives every derived event; an actor subscribed through several matching
/// channels gets each event once. Terminated subscribers are removed automatically.
/// Extension (not in Akka): <see cref="Subscribe{T}(Action{T})"/> registers a synchronous callback that
/// runs on the publishing thread (the TestKit's EventFilter uses it).
/// </summary>
public sealed class EventStream
{
    private readonly object _gate = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Subscribes <paramref name="subscriber"/> to events assignable to <paramref name="channel"/>.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            if (_subscriptions.Any(s => s.Actor is not null && s.Actor.Equals(subscriber) && s.Channel == channel))
            {
                return false;
            }

            _subscriptions = [.. _subscriptions, new Subscription(subscriber, null, channel)];
            return true;
        }
    }

    /// <summary>Registers a synchronous callback for events of type <typeparamref name="T"/>; dispose to remove it.</summary>
    public IDisposable Subscribe<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var sub = new Subscription(null, o => handler((T)o), typeof(T));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, sub];
        }

        return new Unsubscriber(this, sub);
    }

    /// <summary>Removes one channel of a subscriber.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Remove(s => s.Actor is not null && s.Actor.Equals(subscriber) && s.Channel == channel);
    }

    /// <summary>Removes every channel of a subscriber.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Remove(s => s.Actor is not null && s.Actor.Equals(subscriber));
    }

    /// <summary>Publishes <paramref name="event"/> to every matching subscriber.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var subs = Volatile.Read(ref _subscriptions);
        if (subs.Length == 0)
        {
            return;
        }

        var type = @event.GetType();
        List<IActorRef>? delivered = null;
        foreach (var s in subs)
        {
            if (!s.Channel.IsAssignableFrom(type))
            {
                continue;
            }

            if (s.Handler is not null)
            {
                s.Handler(@event);
                continue;
            }

            var actor = s.Actor!;
            if (actor is InternalActorRef { IsTerminated: true })
            {
                continue;
            }

            delivered ??= new List<IActorRef>(2);
            if (delivered.Contains(actor))
            {
                continue;
            }

            delivered.Add(actor);
            actor.Tell(@event, ActorRefs.Nobody);
        }
    }

    private bool Remove(Func<Subscription, bool> match)
    {
        lock (_gate)
        {
            if (!_subscriptions.Any(match))
            {
                return false;
            }

            var next = _subscriptions.Where(s => !match(s)).ToArray();
            if (next.Length == _subscriptions.Length)
            {
                return false;
            }

            _subscriptions = next;
            return true;
        }
    }

    private sealed record Subscription(IActorRef? Actor, Action<object>? Handler, Type Channel);

    private sealed class Unsubscriber(EventStream stream, Subscription sub) : IDisposable
    {
        public void Dispose() => stream.Remove(s => ReferenceEquals(s, sub));
    }
}
