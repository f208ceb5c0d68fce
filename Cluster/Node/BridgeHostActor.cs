using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
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

/// <summary>
/// <c>/user/bridges</c> on a cluster node: the parent of the bridges placement activated here
/// (child <c>&lt;bridge&gt;-&lt;token&gt;</c>, so a bridge that moves away and back never collides with
/// its stopping predecessor). Like <see cref="FabricActor"/> it carries patch links: a peer active
/// here gets the frames as <see cref="PacketsIn"/>; a peer elsewhere goes to
/// <see cref="IRemoteLinks"/> when there is one; otherwise the packets are counted as undeliverable.
/// </summary>
public sealed class BridgeHostActor : ReceiveActor
{
    /// <summary>The name the host is created with.</summary>
    public const string Name = "bridges";

    private readonly Dictionary<string, (IActorRef Ref, BridgeOptions Options, long Token)> _bridges = new(StringComparer.Ordinal);
    private readonly IRemoteLinks? _links;
    private readonly BridgeFactorySettings _settings;
    private long _undeliverable;

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
        Receive<GetUndeliverable>(_ => Sender.Tell(_undeliverable));
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
        }
        else if (_links is null || !_links.TryDeliver(m, link.PeerBridge, link.PeerOfport, from.Token))
        {
            _undeliverable += m.Packets;
        }
    }
}
