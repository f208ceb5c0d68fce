using VSwarm.Runtime;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// Akka's <c>RemoteActorRef</c>: a ref to an actor on another node (<c>vswarm://node/user/...</c>).
/// Tell encodes the message through the closed registry and queues it on the link to that node,
/// so messages from one node to another arrive in the order they were told. When the node is not
/// reachable the message goes to dead letters and is counted. Uid is 0: the incarnation of a remote
/// actor is not known on this side. <c>Context.Watch</c> on it is remote DeathWatch (see
/// <see cref="RemoteWatch"/>): the actor's node watches it for the watcher and reports its death;
/// a link to the node that goes down ends the watch with <c>AddressTerminated</c>.
/// </summary>
public sealed class RemoteActorRef : ExternalActorRef
{
    private readonly PeerLink _link;

    internal RemoteActorRef(ActorPath path, ActorSystem system, PeerLink link)
        : base(path, 0, system)
    {
        _link = link;
        PathText = path.ToString();
    }

    /// <summary>The node the actor lives on.</summary>
    public string Node => Path.SystemName;

    internal string PathText { get; }

    internal PeerLink Link => _link;

    /// <inheritdoc />
    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        _link.Send(this, message, sender);
    }

    /// <summary>Delivers a death notification of this ref to a local watcher (the kernel drops it if the watcher unwatched meanwhile).</summary>
    internal void NotifyWatcher(IActorRef watcher, bool existenceConfirmed, bool addressTerminated) =>
        NotifyTerminated(watcher, existenceConfirmed, addressTerminated);

    /// <inheritdoc />
    protected override void OnWatched(IActorRef watcher) => _link.Remoting.Watches.Watch(this, watcher);

    /// <inheritdoc />
    protected override void OnUnwatched(IActorRef watcher) => _link.Remoting.Watches.Unwatch(this, watcher);
}
