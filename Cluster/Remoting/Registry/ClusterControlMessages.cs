namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// A cluster control message: asks the receiving actor (or a node's link endpoint) for a
/// <see cref="ClusterPong"/> with the same id; used to measure a node link and to check that a
/// remote actor path is served (like Akka's <c>Identify</c>, but with a wire encoding).
/// </summary>
public sealed record ClusterPing(long Id);

/// <summary>The answer to <see cref="ClusterPing"/>: the id and the answering node's name.</summary>
public sealed record ClusterPong(long Id, string Node);
