using VSwarm.Actors.Bridge.Protocol;

namespace VSwarm.Cluster.Node;

/// <summary>
/// The seam for node links (built separately: Cluster/Remoting, Cluster/Transport). When a local
/// bridge sends <see cref="PacketsOut"/> through a patch port whose peer bridge is not active on
/// this node, the node hands the packets here with the sender's fencing token; the links
/// component finds the peer's owner and delivers them as PacketsIn on the peer port.
/// </summary>
public interface IRemoteLinks
{
    /// <summary>Sends <paramref name="packets"/> to <paramref name="peerBridge"/>:<paramref name="peerPort"/> on its owner. False when the peer is unreachable now (counted as undeliverable).</summary>
    bool TryDeliver(PacketsOut packets, string peerBridge, int peerPort, long fencingToken);
}
