using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Runtime;

namespace VSwarm.Host.Simulation;

/// <summary>
/// The bridges of a simulation in one process: a root actor <c>/user/bridges</c> whose children
/// are complete bridges (<see cref="BridgeFactory"/>: classifier, shards, handlers, revalidators),
/// named by bridge, and which carries the frames a bridge sends out of a patch port to the peer
/// bridge as <see cref="PacketsIn"/> on the peer port (OVS patch ports).
/// </summary>
internal static class BridgeFabric
{
    /// <summary>The root actor's name.</summary>
    public const string RootName = "bridges";

    /// <summary>Starts every bridge of <paramref name="options"/> with its patch links.</summary>
    public static async Task<ISimulationFabric> CreateAsync(ActorSystem system, VSwarmOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var root = system.ActorOf(Props.Create(() => new FabricActor(options)), RootName);
        var refs = await root.Ask<BridgeRefs>(GetBridgeRefs.Instance, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return new Fabric(system, root, refs.Bridges);
    }

    private sealed record GetBridgeRefs
    {
        public static GetBridgeRefs Instance { get; } = new();
    }

    private sealed record BridgeRefs(ImmutableDictionary<string, IActorRef> Bridges);

    private sealed class Fabric(ActorSystem system, IActorRef root, IReadOnlyDictionary<string, IActorRef> bridges) : ISimulationFabric
    {
        public IReadOnlyDictionary<string, IActorRef> Bridges { get; } = bridges;

        public ValueTask DisposeAsync()
        {
            system.Stop(root);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Parent of the bridges; delivers patch-port egress to the peer bridge.</summary>
    private sealed class FabricActor : ReceiveActor
    {
        private readonly Dictionary<(string Bridge, int Port), (string Bridge, int Port)> _links = [];
        private readonly Dictionary<string, IActorRef> _bridges = new(StringComparer.Ordinal);

        public FabricActor(VSwarmOptions options)
        {
            foreach (var b in options.Bridges)
            {
                foreach (var l in b.Links)
                {
                    _links[(b.Name, l.Ofport)] = (l.PeerBridge, l.PeerOfport);
                }
            }

            foreach (var b in options.Bridges)
            {
                _bridges[b.Name] = Context.ActorOf(BridgeFactory.Create(b), b.Name);
            }

            Receive<GetBridgeRefs>(_ => Sender.Tell(new BridgeRefs(_bridges.ToImmutableDictionary(StringComparer.Ordinal))));
            Receive<PacketsOut>(OnPacketsOut);
        }

        private void OnPacketsOut(PacketsOut m)
        {
            if (m.Frames.IsDefaultOrEmpty || !_links.TryGetValue((m.Bridge, m.Port), out var peer) || !_bridges.TryGetValue(peer.Bridge, out var target))
            {
                return;
            }

            for (var i = 0; i < m.Frames.Length; i += TrafficPump.MaxBatch)
            {
                var n = Math.Min(TrafficPump.MaxBatch, m.Frames.Length - i);
                var batch = ImmutableArray.CreateBuilder<Packet>(n);
                for (var j = i; j < i + n; j++)
                {
                    batch.Add(new Packet(m.Frames[j], (uint)peer.Port));
                }

                target.Tell(new PacketsIn(batch.MoveToImmutable()), Self);
            }
        }
    }
}
