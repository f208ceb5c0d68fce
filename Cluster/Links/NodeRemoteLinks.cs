using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;

namespace VSwarm.Cluster.Links;

/// <summary>
/// <see cref="IRemoteLinks"/> over <see cref="NodeLinks"/>: a patch port's frames for a peer bridge
/// that runs elsewhere go, as one <see cref="RemotePatchPackets"/> carrying the sender's fencing
/// token, to <c>/user/bridges</c> on the node that holds the peer's owner claim (per-pair ordering
/// of the link keeps the frames in order). Nothing is queued for a node whose link is down: the
/// packets are undeliverable, as on a patch port whose peer is gone, until the link's own
/// redial (with backoff) brings it back.
/// </summary>
public sealed class NodeRemoteLinks : IRemoteLinks
{
    private readonly NodeLinks _links;
    private readonly OwnerDirectory _owners;
    private long _sent;
    private long _oversize;

    /// <summary>Creates the seam over <paramref name="links"/> and <paramref name="owners"/>.</summary>
    public NodeRemoteLinks(NodeLinks links, OwnerDirectory owners)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(owners);
        _links = links;
        _owners = owners;
    }

    /// <summary>Packets handed to a link (they may still be lost on it).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Batches refused because they would not fit one link frame.</summary>
    public long Oversize => Interlocked.Read(ref _oversize);

    /// <inheritdoc/>
    public bool TryDeliver(PacketsOut packets, string peerBridge, int peerPort, long fencingToken)
    {
        ArgumentNullException.ThrowIfNull(packets);
        ArgumentException.ThrowIfNullOrEmpty(peerBridge);
        if (packets.Frames.IsDefaultOrEmpty)
        {
            return false;
        }

        var owner = _owners.OwnerOf(peerBridge);
        if (owner is null || string.Equals(owner, _links.NodeName, StringComparison.Ordinal))
        {
            // No claim, or claimed here but not (yet or any more) running: nowhere to go.
            return false;
        }

        if (!_links.IsUp(owner))
        {
            // The link redials on its own, with backoff; dialing here per batch would defeat it.
            return false;
        }

        var message = new RemotePatchPackets(packets.Bridge, fencingToken, peerBridge, peerPort, packets.Frames);

        // Envelope headers (paths, type id) stay well under 4 KiB; refuse what could not fit a frame.
        if (RemotePatchPacketsCodec.EncodedSize(message) + 4096 > _links.Settings.MaxFrameSize)
        {
            Interlocked.Increment(ref _oversize);
            return false;
        }

        _links.Resolve(owner, "/user/" + BridgeHostActor.Name).Tell(message, null);
        Interlocked.Add(ref _sent, packets.Frames.Length);
        return true;
    }

    /// <inheritdoc/>
    public long NewestToken(string bridge) => _owners.NewestToken(bridge);
}
