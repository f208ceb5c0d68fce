using System.Collections.Immutable;

namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// Frames a bridge put out of a patch port whose peer bridge is active on another node, on their
/// way to that node's <c>/user/bridges</c> (OVS's patch port, stretched over a node link). It
/// carries the sending bridge's fencing token (its owner claim's create revision) so that the
/// receiving node can drop frames from a bridge instance that lost its claim — a partitioned old
/// owner still talking — as etcd's fencing tokens are meant to be used.
/// </summary>
/// <param name="FromBridge">The sending bridge.</param>
/// <param name="FencingToken">The token the sending bridge runs under.</param>
/// <param name="PeerBridge">The receiving bridge (the patch port's peer).</param>
/// <param name="PeerPort">The peer patch port's OpenFlow port number (the frames' in_port there).</param>
/// <param name="Frames">The Ethernet frames, in the order the sender put them out.</param>
public sealed record RemotePatchPackets(string FromBridge, long FencingToken, string PeerBridge, int PeerPort, ImmutableArray<byte[]> Frames)
{
    /// <summary>Total frame bytes (for counters).</summary>
    public long Bytes => Frames.IsDefault ? 0 : Frames.Sum(f => (long)f.Length);
}
