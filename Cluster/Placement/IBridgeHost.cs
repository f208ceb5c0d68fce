namespace VSwarm.Cluster.Placement;

/// <summary>
/// Where placement runs bridges on this node. <see cref="PlacementService"/> calls
/// <see cref="ActivateAsync"/> only after its owner claim succeeded, and
/// <see cref="Deactivate"/> before it releases the claim, so with fencing a bridge is never
/// active on two nodes at once.
/// </summary>
public interface IBridgeHost
{
    /// <summary>Starts <paramref name="bridge"/> here under fencing token <paramref name="token"/> (restoring its config and rules).</summary>
    Task ActivateAsync(string bridge, long token, CancellationToken ct = default);

    /// <summary>Stops <paramref name="bridge"/> here, synchronously: when this returns it forwards no more packets.</summary>
    void Deactivate(string bridge, long token, string reason);
}
