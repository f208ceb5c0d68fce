namespace VSwarm.Cluster.Remoting;

/// <summary>Published on the EventStream when a link to <paramref name="Node"/> comes up (Akka's <c>AssociatedEvent</c>).</summary>
public sealed record LinkUp(string Node);

/// <summary>
/// Published when the link to <paramref name="Node"/> goes down (connection closed, heartbeats
/// missed, protocol error); queued messages go to dead letters and reconnects start (Akka's
/// <c>DisassociatedEvent</c>).
/// </summary>
public sealed record LinkDown(string Node, string Reason);

/// <summary>
/// Published when a handshake with <paramref name="Node"/> is refused: by the peer
/// (<paramref name="ByPeer"/>) or by this node (unknown node, wrong cluster, authentication failed).
/// </summary>
public sealed record LinkRefused(string Node, string Reason, bool ByPeer);
