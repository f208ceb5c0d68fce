using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Links;

/// <summary>
/// A thread-safe view of the owner claims (<c>/vswarm/bridges/&lt;br&gt;/owner</c>) for the links:
/// which node runs a bridge now (where its patch peers send frames) and the newest fencing token
/// ever seen for it (what frames from that bridge must carry at least). Placement keeps its own
/// view on its executor; this one is read from actor threads, so it is fed by its own watch and
/// by this node's activations (<see cref="Observe"/>), which it sees before the watch does.
/// </summary>
public sealed class OwnerDirectory : IDisposable
{
    private readonly ICoordinationStore _store;
    private readonly IScheduler _scheduler;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, BridgeClaim> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _newest = new(StringComparer.Ordinal);
    private readonly TimeSpan _retry;
    private IDisposable? _watch;
    private volatile bool _stopped;

    /// <summary>Creates the directory; <see cref="Start"/> reads the claims and watches them.</summary>
    public OwnerDirectory(ICoordinationStore store, IScheduler scheduler, ILogger log, TimeSpan? retry = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(log);
        _store = store;
        _scheduler = scheduler;
        _log = log;
        _retry = retry ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>The current claims, by bridge.</summary>
    public IReadOnlyDictionary<string, BridgeClaim> Owners => _owners;

    /// <summary>The node that owns <paramref name="bridge"/> now, or null when no claim is known.</summary>
    public string? OwnerOf(string bridge) => _owners.TryGetValue(bridge, out var c) ? c.Owner.Node : null;

    /// <summary>The newest fencing token known for <paramref name="bridge"/> (0: none); it never goes down, even when the claim is deleted.</summary>
    public long NewestToken(string bridge) => _newest.TryGetValue(bridge, out var t) ? t : 0;

    /// <summary>Reads the claims and watches for changes (re-reads after a watch error).</summary>
    public void Start() => _ = LoadAndWatchAsync();

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

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopped = true;
        Interlocked.Exchange(ref _watch, null)?.Dispose();
    }

    private void Raise(string bridge, long token) => _newest.AddOrUpdate(bridge, token, (_, old) => Math.Max(old, token));

    private async Task LoadAndWatchAsync()
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            var snapshot = await _store.RangeAsync(ClusterKeys.Bridges, prefix: true).ConfigureAwait(false);
            foreach (var kv in snapshot.Kvs)
            {
                Apply(new StoreEvent(false, kv.Key, kv.Value, kv.CreateRevision));
            }

            var watch = _store.Watch(ClusterKeys.Bridges, snapshot.Revision + 1, Apply, ex =>
            {
                _log.OwnerWatchEnded(ex);
                Interlocked.Exchange(ref _watch, null)?.Dispose();
                _scheduler.ScheduleOnce(_retry, () => _ = LoadAndWatchAsync());
            });
            if (_stopped)
            {
                watch.Dispose();
            }
            else
            {
                Interlocked.Exchange(ref _watch, watch)?.Dispose();
            }
        }
        catch (StoreUnavailableException)
        {
            _scheduler.ScheduleOnce(_retry, () => _ = LoadAndWatchAsync());
        }
    }
}
