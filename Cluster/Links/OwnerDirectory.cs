using System.Collections.Concurrent;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Placement;

namespace VSwarm.Cluster.Links;

/// <summary>
/// A thread-safe view of the owner claims (<c>/vswarm/bridges/&lt;br&gt;/owner</c>) for the links:
/// which node runs a bridge now (where its patch peers send frames) and the newest fencing token
/// ever seen for it (what frames from that bridge must carry at least). Placement keeps its own
/// view on its executor; this one is read from actor threads. It is fed by placement's reading of
/// the claims (<see cref="PlacementService.OwnerKeyChanged"/> into <see cref="Apply"/>: one watch
/// per node) and by this node's activations (<see cref="Observe"/>), which it sees before the
/// watch does.
/// </summary>
public sealed class OwnerDirectory
{
    private readonly ConcurrentDictionary<string, BridgeClaim> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _newest = new(StringComparer.Ordinal);

    /// <summary>The current claims, by bridge.</summary>
    public IReadOnlyDictionary<string, BridgeClaim> Owners => _owners;

    /// <summary>The node that owns <paramref name="bridge"/> now, or null when no claim is known.</summary>
    public string? OwnerOf(string bridge) => _owners.TryGetValue(bridge, out var c) ? c.Owner.Node : null;

    /// <summary>The newest fencing token known for <paramref name="bridge"/> (0: none); it never goes down, even when the claim is deleted.</summary>
    public long NewestToken(string bridge) => _newest.TryGetValue(bridge, out var t) ? t : 0;

    /// <summary>Records a claim this node learned first-hand (its own activation).</summary>
    public void Observe(string bridge, string node, long token)
    {
        ArgumentException.ThrowIfNullOrEmpty(bridge);
        ArgumentException.ThrowIfNullOrEmpty(node);
        Raise(bridge, token);
        _owners.AddOrUpdate(bridge, _ => new BridgeClaim(bridge, new OwnerRecord(node, "0"), token), (_, old) => token >= old.Token ? new BridgeClaim(bridge, new OwnerRecord(node, "0"), token) : old);
    }

    /// <summary>Applies one store event for an owner key (other keys are ignored).</summary>
    public void Apply(StoreEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!ClusterKeys.TryParseBridgeKey(e.Key, out var bridge, out var leaf) || leaf != "owner")
        {
            return;
        }

        if (e.IsDelete)
        {
            // Only a claim older than the delete goes; a newer claim learned first-hand stays.
            if (_owners.TryGetValue(bridge, out var c) && c.Token < e.Revision)
            {
                _owners.TryRemove(KeyValuePair.Create(bridge, c));
            }

            return;
        }

        if (OwnerRecord.TryParse(e.Value) is { } owner)
        {
            // Claims are only ever created, so a put's revision is the claim's create revision: its token.
            Raise(bridge, e.Revision);
            _owners.AddOrUpdate(bridge, _ => new BridgeClaim(bridge, owner, e.Revision), (_, old) => e.Revision >= old.Token ? new BridgeClaim(bridge, owner, e.Revision) : old);
        }
    }

    private void Raise(string bridge, long token) => _newest.AddOrUpdate(bridge, token, (_, old) => Math.Max(old, token));
}
