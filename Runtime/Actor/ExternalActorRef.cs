namespace VSwarm.Runtime;

/// <summary>
/// Public base for refs implemented outside the kernel, such as the remote refs of VSwarm.Cluster
/// (Akka's <c>RemoteActorRef</c> derives from its internal ref hierarchy instead). Equality and
/// ordering match every other ref: by path, then <see cref="IActorRef.Uid"/>. DeathWatch: the kernel
/// sends such refs no system messages; instead <c>Context.Watch</c>/<c>Unwatch</c> on one call
/// <see cref="OnWatched"/>/<see cref="OnUnwatched"/> (also when the watcher stops), and the
/// implementation reports the death of the actor behind it with <see cref="NotifyTerminated"/>, which
/// reaches the watcher as <see cref="Terminated"/> (Akka's remote watch: <c>RemoteWatcher</c> sending
/// <c>DeathWatchNotification</c>, or <c>AddressTerminated</c> when the whole node is gone). A ref
/// that overrides neither hook behaves as before: the watch is accepted and never fires.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1036", Justification = "Refs compare like the kernel's own refs, which define no operators either (Akka's IActorRef neither).")]
public abstract class ExternalActorRef : IActorRef
{
    /// <summary>Creates a ref at <paramref name="path"/> owned by <paramref name="system"/> (the local system that created it).</summary>
    protected ExternalActorRef(ActorPath path, long uid, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(system);
        Path = path;
        Uid = uid;
        System = system;
    }

    /// <inheritdoc />
    public ActorPath Path { get; }

    /// <inheritdoc />
    public long Uid { get; }

    /// <summary>The local system this ref was created in (its scheduler drives Ask timeouts).</summary>
    public ActorSystem System { get; }

    /// <inheritdoc />
    public abstract void Tell(object message, IActorRef? sender);

    /// <summary>
    /// <paramref name="watcher"/> (a local actor) started watching this ref. Called once per watcher
    /// on the watcher's own thread, so it must not block (queue the remote Watch, do not send it).
    /// </summary>
    protected internal virtual void OnWatched(IActorRef watcher)
    {
    }

    /// <summary>
    /// <paramref name="watcher"/> stopped watching this ref: it called <c>Unwatch</c> or it stopped.
    /// Not called after <see cref="NotifyTerminated"/> delivered the watch's <see cref="Terminated"/>.
    /// </summary>
    protected internal virtual void OnUnwatched(IActorRef watcher)
    {
    }

    /// <summary>
    /// Tells <paramref name="watcher"/> that the actor behind this ref is gone; it receives
    /// <c>Terminated(this, existenceConfirmed, addressTerminated)</c> if it still watches this ref
    /// (a notification after <c>Unwatch</c> is dropped, as in Akka). No-op for refs that are not
    /// local actors.
    /// </summary>
    protected void NotifyTerminated(IActorRef watcher, bool existenceConfirmed, bool addressTerminated) =>
        (watcher as InternalActorRef)?.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed, addressTerminated));

    /// <inheritdoc />
    public bool Equals(IActorRef? other) => ActorRefIdentity.Equal(this, other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    /// <inheritdoc />
    public override int GetHashCode() => ActorRefIdentity.Hash(this);

    /// <inheritdoc />
    public int CompareTo(IActorRef? other) => ActorRefIdentity.Compare(this, other);

    /// <inheritdoc />
    public int CompareTo(object? obj) => obj is IActorRef r ? CompareTo(r) : 1;

    /// <inheritdoc />
    public override string ToString() => ActorRefIdentity.Format(this);
}
