using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Remoting;

namespace VSwarm.Cluster.Node;

/// <summary>Settings of one cluster node (from <c>node</c> in vswarm.json and the command line).</summary>
public sealed record ClusterNodeOptions
{
    /// <summary>Node name, unique in the cluster.</summary>
    public string Name { get; init; } = "node-1";

    /// <summary>Listen address for node links (published in the member record).</summary>
    public string Listen { get; init; } = "127.0.0.1:7946";

    /// <summary>Lease and fencing timing.</summary>
    public MembershipOptions Membership { get; init; } = new();

    /// <summary>How often placement re-checks every bridge besides reacting to watch events; default the keepalive period.</summary>
    public TimeSpan? ReconcileInterval { get; init; }

    /// <summary>How often the owner publishes bridge counters to etcd.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Local traffic per running bridge.</summary>
    public TrafficOptions Traffic { get; init; } = new();

    /// <summary>
    /// Node links (cluster name, shared secret, timing); null: no links, so patch traffic to a
    /// peer bridge on another node is undeliverable. The registry is always replaced by
    /// <see cref="Remoting.Registry.ClusterMessages.Registry"/> (every node must agree on it).
    /// </summary>
    public RemotingSettings? Links { get; init; }
}
