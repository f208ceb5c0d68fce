using System.Text.Json;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;

namespace VSwarm.Cluster.Durable;

/// <summary>The outcome of committing a flow-mod to etcd.</summary>
/// <param name="Committed">True when the new rules were written (or nothing had to change).</param>
/// <param name="Revision">The store revision of the rules after the commit.</param>
/// <param name="Rules">The rule count after the commit.</param>
/// <param name="Error">Why the flow-mod was refused (nothing written).</param>
public sealed record FlowCommit(bool Committed, long Revision, int Rules, string? Error);

/// <summary>
/// A bridge's durable state in etcd: <c>/vswarm/bridges/&lt;br&gt;/config</c> (BridgeOptions JSON)
/// and <c>/vswarm/bridges/&lt;br&gt;/flows</c> (<see cref="RuleText"/>). A flow-mod is committed
/// here first (compare-and-set on the flows key's mod revision, retried on a concurrent writer),
/// and the owner applies what it then sees through its watch; a new owner restores the bridge
/// from these two keys. Megaflows are soft state and are not stored.
/// </summary>
public sealed class DurableBridgeStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };
    private readonly ICoordinationStore _store;

    /// <summary>Wraps <paramref name="store"/>.</summary>
    public DurableBridgeStore(ICoordinationStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>The options as JSON (camelCase, as in vswarm.json).</summary>
    public static string ToJson(BridgeOptions options) => JsonSerializer.Serialize(options, Json);

    /// <summary>Options from stored JSON; throws <see cref="JsonException"/> naming the key when unreadable.</summary>
    public static BridgeOptions FromJson(string bridge, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<BridgeOptions>(json, Json) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{ClusterKeys.Config(bridge)} is not BridgeOptions JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Writes (creates or replaces) a bridge's configuration.</summary>
    public Task<long> PutConfigAsync(BridgeOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClusterKeys.ValidateName(options.Name, "bridge");
        return _store.PutAsync(ClusterKeys.Config(options.Name), ToJson(options), 0, ct);
    }

    /// <summary>Defines a bridge unless it already is (the first node to start with a config file seeds etcd). True when written.</summary>
    public async Task<bool> CreateConfigAsync(BridgeOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClusterKeys.ValidateName(options.Name, "bridge");
        var key = ClusterKeys.Config(options.Name);
        var r = await _store.TxnAsync([StoreCompare.Absent(key)], [StoreOp.Put(key, ToJson(options))], null, ct).ConfigureAwait(false);
        return r.Succeeded;
    }

    /// <summary>A bridge's configuration, or null when the bridge is not defined.</summary>
    public async Task<BridgeOptions?> GetConfigAsync(string bridge, CancellationToken ct = default)
    {
        var r = await _store.RangeAsync(ClusterKeys.Config(bridge), false, ct).ConfigureAwait(false);
        return r.Kvs.Count == 0 ? null : FromJson(bridge, r.Kvs[0].Value);
    }

    /// <summary>Every defined bridge name.</summary>
    public async Task<IReadOnlyList<string>> ListBridgesAsync(CancellationToken ct = default)
    {
        var r = await _store.RangeAsync(ClusterKeys.Bridges, true, ct).ConfigureAwait(false);
        return [.. r.Kvs.Select(kv => ClusterKeys.TryParseBridgeKey(kv.Key, out var b, out var leaf) && leaf == "config" ? b : null)
            .OfType<string>().Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>The committed rules text and the flows key's mod revision (0 when never written).</summary>
    public async Task<(string Text, long Revision)> GetFlowsAsync(string bridge, CancellationToken ct = default)
    {
        var r = await _store.RangeAsync(ClusterKeys.Flows(bridge), false, ct).ConfigureAwait(false);
        return r.Kvs.Count == 0 ? (string.Empty, 0) : (r.Kvs[0].Value, r.Kvs[0].ModRevision);
    }

    /// <summary>
    /// Commits <paramref name="mods"/> (one atomic batch) to the bridge's rules: read, apply with
    /// the bridge's semantics, compare-and-set. Refused (nothing written) when the bridge is not
    /// defined or the batch fails as it would on the bridge.
    /// </summary>
    public async Task<FlowCommit> CommitAsync(string bridge, IReadOnlyList<FlowMod> mods, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(mods);
        var options = await GetConfigAsync(bridge, ct).ConfigureAwait(false);
        if (options is null)
        {
            return new FlowCommit(false, 0, 0, $"bridge '{bridge}' is not defined in etcd ({ClusterKeys.Config(bridge)} is missing)");
        }

        for (var attempt = 0; attempt < 20; attempt++)
        {
            var (text, rev) = await GetFlowsAsync(bridge, ct).ConfigureAwait(false);
            var (next, error) = RuleText.Apply(text, mods, options);
            if (error is not null || next is null)
            {
                return new FlowCommit(false, rev, 0, error?.ToString() ?? "flow-mod failed");
            }

            var count = RuleText.Parse(next).Count;
            if (string.Equals(next, text, StringComparison.Ordinal) && rev != 0)
            {
                return new FlowCommit(true, rev, count, null);
            }

            var key = ClusterKeys.Flows(bridge);
            var txn = await _store.TxnAsync(
                [rev == 0 ? StoreCompare.Absent(key) : StoreCompare.ModifiedAt(key, rev)],
                [StoreOp.Put(key, next)], null, ct).ConfigureAwait(false);
            if (txn.Succeeded)
            {
                return new FlowCommit(true, txn.Revision, count, null);
            }
        }

        return new FlowCommit(false, 0, 0, $"too many concurrent writers on {ClusterKeys.Flows(bridge)}");
    }
}
