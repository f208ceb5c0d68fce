using VSwarm.Actors.Bridge.Protocol;

namespace VSwarm.Cluster.Node;

/// <summary>
/// The seam between <see cref="BridgeHostActor"/> and node links (<see cref="Links.NodeRemoteLinks"/>).
/// When a local bridge sends <see cref="PacketsOut"/> through a patch port whose peer bridge is not
/// active on this node, the host hands the packets here with the sender's fencing token; the links
/// find the peer's owner and deliver them there as PacketsIn on the peer port. Incoming frames are
/// checked against <see cref="NewestToken"/> of their sending bridge (fencing on messages).
/// </summary>
public interface IRemoteLinks
{
    /// <summary>Sends <paramref name="packets"/> to <paramref name="peerBridge"/>:<paramref name="peerPort"/> on its owner. False when the peer is unreachable now (counted as undeliverable).</summary>
    bool TryDeliver(PacketsOut packets, string peerBridge, int peerPort, long fencingToken);

    /// <summary>The newest fencing token this node knows for <paramref name="bridge"/> (0: none); frames carrying an older one are fenced.</summary>
    long NewestToken(string bridge);
}
