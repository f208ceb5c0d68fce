using VSwarm.Runtime;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// Akka's <c>RemoteActorRef</c>: a ref to an actor on another node (<c>vswarm://node/user/...</c>).
/// Tell encodes the message through the closed registry and queues it on the link to that node,
/// so messages from one node to another arrive in the order they were told. When the node is not
/// reachable the message goes to dead letters and is counted. Uid is 0: the incarnation of a remote
/// actor is not known on this side.
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

    /// <inheritdoc />
    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        _link.Send(this, message, sender);
    }
}
