namespace VSwarm.Runtime;

/// <summary>
/// Public base for refs implemented outside the kernel, such as the remote refs of VSwarm.Cluster
/// (Akka's <c>RemoteActorRef</c> derives from its internal ref hierarchy instead). Equality and
/// ordering match every other ref: by path, then <see cref="IActorRef.Uid"/>. Deviation: the kernel
/// sends such refs no system messages, so <c>Context.Watch</c> on one is accepted but never yields
/// <c>Terminated</c> (remote DeathWatch is not modelled yet).
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
