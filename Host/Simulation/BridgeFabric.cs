using VSwarm.Actors.Config;
using VSwarm.Runtime;

namespace VSwarm.Host.Simulation;

/// <summary>The real bridges: the fabric of the dpactors branch (placeholder until it is merged).</summary>
internal static class BridgeFabric
{
    /// <summary>Starts every bridge of <paramref name="options"/> with its patch links.</summary>
    public static Task<ISimulationFabric> CreateAsync(ActorSystem system, VSwarmOptions options, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the bridge actors (datapath shards, handlers, revalidators) are not merged yet");
}
