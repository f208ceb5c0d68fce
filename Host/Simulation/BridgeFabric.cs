using VSwarm.Actors.Bridge;
using VSwarm.Actors.Config;
using VSwarm.Runtime;

namespace VSwarm.Host.Simulation;

/// <summary>
/// The bridges of a simulation in one process: <see cref="Fabric.Start"/> creates the root actor
/// <c>/user/bridges</c> with one complete bridge per scenario bridge (<c>/user/bridges/&lt;name&gt;</c>:
/// classifier, shards, handlers, revalidators) and carries patch links between them.
/// </summary>
internal static class BridgeFabric
{
    /// <summary>Starts every bridge of <paramref name="options"/> with its patch links.</summary>
    public static async Task<ISimulationFabric> CreateAsync(ActorSystem system, VSwarmOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        var handle = Fabric.Start(system, options);
        var bridges = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        foreach (var b in options.Bridges)
        {
            bridges[b.Name] = await ResolveAsync(system, $"/user/{FabricActor.Name}/{b.Name}", cancellationToken).ConfigureAwait(false);
        }

        return new Handle(system, handle.Root, bridges);
    }

    /// <summary>The fabric creates its bridges when it starts (asynchronously): retry until they exist.</summary>
    private static async Task<IActorRef> ResolveAsync(ActorSystem system, string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await system.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
            catch (ActorNotFoundException) when (attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class Handle(ActorSystem system, IActorRef root, IReadOnlyDictionary<string, IActorRef> bridges) : ISimulationFabric
    {
        public IReadOnlyDictionary<string, IActorRef> Bridges { get; } = bridges;

        public ValueTask DisposeAsync()
        {
            system.Stop(root);
            return ValueTask.CompletedTask;
        }
    }
}
