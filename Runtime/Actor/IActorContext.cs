using VSwarm.Runtime.Event;

namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>IActorContext</c>: what an actor can see and do while it processes a message. Use it only
/// from the actor's own handlers (not from a continuation that left the actor, see Akka's AK1005).
/// </summary>
public interface IActorContext
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>Sender of the current message.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervising parent.</summary>
    IActorRef Parent { get; }

    /// <summary>The Props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>The actor system.</summary>
    ActorSystem System { get; }

    /// <summary>The live children (snapshot).</summary>
    IEnumerable<IActorRef> Children { get; }

    /// <summary>The current receive timeout, if any.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>The child with that name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>The live children (snapshot).</summary>
    IEnumerable<IActorRef> GetChildren();

    /// <summary>Creates a child actor.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Selects actors by path, relative to this actor unless the path is absolute.</summary>
    ActorSelection ActorSelection(string path);

    /// <summary>Stops a child (or this actor) asynchronously.</summary>
    void Stop(IActorRef child);

    /// <summary>Watches <paramref name="subject"/>: a <see cref="Terminated"/> arrives when it stops.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Watches <paramref name="subject"/> and delivers <paramref name="message"/> instead of Terminated.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stops watching; a Terminated already queued is then dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops a behaviour.</summary>
    void UnbecomeStacked();

    /// <summary>Sets (or clears with null) the idle time after which a <see cref="Runtime.ReceiveTimeout"/> arrives.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    /// <summary>A logger whose source is this actor's path.</summary>
    LoggingAdapter GetLogger();
}
