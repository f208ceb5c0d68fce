using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Node;

/// <summary>Starts a bridge as a child of the host actor. Reply: the bridge's <see cref="IActorRef"/>.</summary>
public sealed record StartBridge(BridgeOptions Options, long Token);

/// <summary>Stops a bridge child. No reply.</summary>
public sealed record StopBridge(string Bridge, long Token);

/// <summary>Asks how many packets left through patch ports whose peer was nowhere. Reply: <see cref="long"/>.</summary>
public sealed record GetUndeliverable
{
    /// <summary>The instance.</summary>
    public static GetUndeliverable Instance { get; } = new();
}

/// <summary>Asks for the host's patch-link counters. Reply: <see cref="PatchCounters"/>.</summary>
public sealed record GetPatchCounters
{
    /// <summary>The instance.</summary>
    public static GetPatchCounters Instance { get; } = new();
}

/// <summary>Patch-link counters of one node's <c>/user/bridges</c>.</summary>
/// <param name="Local">Packets delivered between two bridges active on this node.</param>
/// <param name="SentRemote">Packets handed to node links for a peer on another node.</param>
/// <param name="Undeliverable">Packets whose peer was nowhere reachable (no owner, link down, or not active on the receiving node).</param>
/// <param name="ReceivedRemote">Packets received over node links and delivered to a local peer bridge.</param>
/// <param name="Fenced">Packets received over node links from a bridge instance whose fencing token is older than the newest claim known for it: dropped.</param>
public sealed record PatchCounters(long Local, long SentRemote, long Undeliverable, long ReceivedRemote, long Fenced);

/// <summary>
/// <c>/user/bridges</c> on a cluster node: the parent of the bridges placement activated here
/// (child <c>&lt;bridge&gt;-&lt;token&gt;</c>, so a bridge that moves away and back never collides with
/// its stopping predecessor). Like <see cref="FabricActor"/> it carries patch links: a peer active
/// here gets the frames as <see cref="PacketsIn"/>; a peer elsewhere goes to
/// <see cref="IRemoteLinks"/> when there is one; otherwise the packets are counted as undeliverable.
/// Frames from another node arrive as <see cref="RemotePatchPackets"/>: they reach the peer bridge
/// when it is active here, unless their fencing token is older than the newest claim known for the
/// sending bridge (then they come from an old owner that lost its claim and are dropped as fenced).
/// </summary>
public sealed class BridgeHostActor : ReceiveActor
{
    /// <summary>The name the host is created with.</summary>
    public const string Name = "bridges";

    private readonly Dictionary<string, (IActorRef Ref, BridgeOptions Options, long Token)> _bridges = new(StringComparer.Ordinal);
    private readonly IRemoteLinks? _links;
    private readonly BridgeFactorySettings _settings;
    private readonly Dictionary<string, long> _newestSeen = new(StringComparer.Ordinal);
    private long _undeliverable;
    private long _local;
    private long _sentRemote;
    private long _receivedRemote;
    private long _fenced;

    /// <summary>Creates the host.</summary>
    public BridgeHostActor(IRemoteLinks? links, BridgeFactorySettings? settings)
    {
        _links = links;
        _settings = settings ?? new BridgeFactorySettings();
        Receive<StartBridge>(m =>
        {
            if (_bridges.TryGetValue(m.Options.Name, out var old))
            {
                if (old.Token == m.Token)
                {
                    // A retried activation under the same claim: the bridge is already there.
                    Sender.Tell(old.Ref);
                    return;
                }

                _bridges.Remove(m.Options.Name);
                Context.Stop(old.Ref);
            }

            var child = Context.ActorOf(BridgeFactory.Create(m.Options, _settings), $"{m.Options.Name}-{m.Token}");
            _bridges[m.Options.Name] = (child, m.Options, m.Token);
            Sender.Tell(child);
        });
        Receive<StopBridge>(m =>
        {
            if (_bridges.TryGetValue(m.Bridge, out var b) && b.Token == m.Token)
            {
                _bridges.Remove(m.Bridge);
                Context.Stop(b.Ref);
            }
        });
        Receive<PacketsOut>(OnPacketsOut);
        Receive<RemotePatchPackets>(OnRemotePatchPackets);
        Receive<GetUndeliverable>(_ => Sender.Tell(_undeliverable));
        Receive<GetPatchCounters>(_ => Sender.Tell(new PatchCounters(_local, _sentRemote, _undeliverable, _receivedRemote, _fenced)));
    }

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => BridgeActor.ChildStrategy;

    private void OnPacketsOut(PacketsOut m)
    {
        if (!_bridges.TryGetValue(m.Bridge, out var from))
        {
            return; // the sender was stopped meanwhile: a stopped bridge forwards nothing
        }

        var link = from.Options.Links.FirstOrDefault(l => l.Ofport == m.Port);
        if (link is null || m.Frames.IsDefaultOrEmpty)
        {
            return;
        }

        if (_bridges.TryGetValue(link.PeerBridge, out var peer))
        {
            peer.Ref.Tell(new PacketsIn([.. m.Frames.Select(f => new Packet(f, (uint)link.PeerOfport))]), Self);
            _local += m.Frames.Length;
        }
        else if (_links is not null && _links.TryDeliver(m, link.PeerBridge, link.PeerOfport, from.Token))
        {
            _sentRemote += m.Frames.Length;
        }
        else
        {
            _undeliverable += m.Frames.Length;
        }
    }

    private void OnRemotePatchPackets(RemotePatchPackets m)
    {
        var count = m.Frames.IsDefault ? 0 : m.Frames.Length;
        _newestSeen.TryGetValue(m.FromBridge, out var seen);
        var newest = Math.Max(seen, _links?.NewestToken(m.FromBridge) ?? 0);
        if (m.FencingToken < newest)
        {
            _fenced += count;
            return;
        }

        _newestSeen[m.FromBridge] = m.FencingToken;
        if (count == 0)
        {
            return;
        }

        if (_bridges.TryGetValue(m.PeerBridge, out var peer))
        {
            peer.Ref.Tell(new PacketsIn([.. m.Frames.Select(f => new Packet(f, unchecked((uint)m.PeerPort)))]), Self);
            _receivedRemote += count;
        }
        else
        {
            _undeliverable += count;
        }
    }
}
