using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Placement;

/// <summary>
/// Places bridges on live members by <see cref="Rendezvous"/> hashing and makes ownership
/// exclusive through etcd: the preferred node claims <c>/vswarm/bridges/&lt;br&gt;/owner</c> in a
/// transaction (create if absent) bound to its lease, and only then activates the bridge; the
/// claim's create revision is the bridge's fencing token. Rebalance on join: the current owner,
/// seeing a preferred live member, stops the bridge, then deletes its claim (compare on the
/// token), and the preferred node claims it. Failover on leave: the dead node's lease expires,
/// etcd deletes its claims, the next preferred node claims. A fenced node has stopped every
/// bridge before its lease can expire (see <see cref="MembershipService"/>).
/// </summary>
/// <remarks>
/// Akka comparison: like a ShardCoordinator-less sharding where the "coordinator" is etcd's
/// linearizable transaction; handoff is stop-then-release (Akka: HandOff, then allocate), and
/// state is restored by the new owner from etcd (Akka: remember-entities).
/// </remarks>
public sealed class PlacementService : IDisposable
{
    private readonly string _node;
    private readonly ICoordinationStore _store;
    private readonly IScheduler _scheduler;
    private readonly SerialExecutor _executor;
    private readonly MembershipService _membership;
    private readonly IBridgeHost _host;
    private readonly TimeSpan _reconcileInterval;
    private readonly ILogger _log;
    private readonly SortedSet<string> _bridges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BridgeClaim> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _active = new(StringComparer.Ordinal);
    private readonly object _activeGate = new();
    private ICancelable? _tick;
    private IDisposable? _watch;
    private bool _stopped;

    /// <summary>Creates the service; nothing happens before <see cref="Start"/>.</summary>
    public PlacementService(ICoordinationStore store, IScheduler scheduler, SerialExecutor executor, MembershipService membership, IBridgeHost host, TimeSpan reconcileInterval, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(log);
        _node = membership.Self.Node;
        _store = store;
        _scheduler = scheduler;
        _executor = executor;
        _membership = membership;
        _host = host;
        _reconcileInterval = reconcileInterval;
        _log = log;
        _membership.Fenced += StopAll;
        _membership.Changed += _ => _executor.Post(ReconcileAsync);
    }

    /// <summary>A watched key under <c>/vswarm/bridges/</c> other than config and owner (e.g. flows), raised on the executor.</summary>
    public event Action<StoreEvent>? BridgeKeyChanged;

    /// <summary>
    /// Every owner-key event placement reads (its snapshot, then its watch, in order, on the
    /// executor), before placement's own staleness check: views kept elsewhere (the links'
    /// <c>OwnerDirectory</c>) follow the claims without a second watch of the same prefix.
    /// </summary>
    public event Action<StoreEvent>? OwnerKeyChanged;

    /// <summary>Activation/deactivation records (<see cref="BridgeActivated"/>, <see cref="BridgeDeactivated"/>).</summary>
    public event Action<object>? Changed;

    /// <summary>Bridges active on this node now, with their fencing tokens.</summary>
    public IReadOnlyDictionary<string, long> Active
    {
        get
        {
            lock (_activeGate)
            {
                return new Dictionary<string, long>(_active, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Claims as this node last saw them.</summary>
    public IReadOnlyDictionary<string, BridgeClaim> Claims => _claims;

    /// <summary>Bridges known from their config keys.</summary>
    public IReadOnlyCollection<string> Bridges => _bridges;

    /// <summary>Reads the bridges, starts the watch and the periodic reconcile.</summary>
    public void Start()
    {
        _executor.Post(LoadAndWatchAsync);
        _tick = _scheduler.ScheduleRepeatedly(_reconcileInterval, _reconcileInterval, () => _executor.Post(ReconcileAsync));
    }

    /// <summary>Stops timers and the watch (the bridges are the host's to stop).</summary>
    public void Dispose()
    {
        _stopped = true;
        _tick?.Cancel();
        _watch?.Dispose();
        _membership.Fenced -= StopAll;
    }

    /// <summary>Stops every local bridge now (fencing, leaving). Does not touch the store.</summary>
    public void StopAll(string reason)
    {
        List<KeyValuePair<string, long>> active;
        lock (_activeGate)
        {
            active = [.. _active];
            _active.Clear();
        }

        foreach (var (bridge, token) in active)
        {
            _host.Deactivate(bridge, token, reason);
            _log.Deactivated(bridge, _node, token, reason);
            Changed?.Invoke(new BridgeDeactivated(bridge, _node, token, reason));
        }
    }

    private async Task LoadAndWatchAsync()
    {
        if (_stopped || _watch is not null)
        {
            return;
        }

        StoreRange snapshot;
        try
        {
            snapshot = await _store.RangeAsync(ClusterKeys.Bridges, prefix: true).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            _scheduler.ScheduleOnce(_reconcileInterval, () => _executor.Post(LoadAndWatchAsync));
            return;
        }

        _bridges.Clear();
        _claims.Clear();
        foreach (var kv in snapshot.Kvs)
        {
            Apply(new StoreEvent(false, kv.Key, kv.Value, kv.CreateRevision), kv.CreateRevision);
        }

        _watch = _store.Watch(ClusterKeys.Bridges, snapshot.Revision + 1, e => _executor.Post(() => OnEvent(e)), ex => _executor.Post(() =>
        {
            _log.StepFailed(ex, "bridges watch ended; re-reading");
            _watch?.Dispose();
            _watch = null;
            _executor.Post(LoadAndWatchAsync);
        }));
        await ReconcileAsync().ConfigureAwait(false);
    }

    private async Task OnEvent(StoreEvent e)
    {
        if (_stopped)
        {
            return;
        }

        if (Apply(e, e.Revision))
        {
            await ReconcileAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Updates the view; true when placement may have to act.</summary>
    private bool Apply(StoreEvent e, long createRevision)
    {
        if (!ClusterKeys.TryParseBridgeKey(e.Key, out var bridge, out var leaf))
        {
            return false;
        }

        switch (leaf)
        {
            case "config":
                return e.IsDelete ? _bridges.Remove(bridge) : _bridges.Add(bridge);
            case "owner":
                OwnerKeyChanged?.Invoke(e);

                // This node records its own claims before the watch reports them, so an event
                // older than the claim it knows (a stalled watch catching up) is stale.
                if (_claims.TryGetValue(bridge, out var known) && e.Revision < known.Token)
                {
                    return false;
                }

                if (e.IsDelete)
                {
                    _claims.Remove(bridge);
                }
                else if (OwnerRecord.TryParse(e.Value) is { } owner)
                {
                    // Claims are only ever created (never updated), so a put's revision is its create revision.
                    _claims[bridge] = new BridgeClaim(bridge, owner, createRevision);
                }

                return true;
            default:
                BridgeKeyChanged?.Invoke(e);
                return false;
        }
    }

    private async Task ReconcileAsync()
    {
        if (_stopped || _watch is null)
        {
            return;
        }

        foreach (var bridge in _bridges.Concat(_claims.Keys).Concat(Active.Keys).Distinct().ToList())
        {
            if (_stopped || !_membership.IsJoined)
            {
                return;
            }

            try
            {
                await ReconcileAsync(bridge).ConfigureAwait(false);
            }
            catch (StoreUnavailableException)
            {
                // Try again on the next tick; fencing covers a long outage.
                return;
            }
        }
    }

    private async Task ReconcileAsync(string bridge)
    {
        var lease = _membership.Lease;
        var desired = _bridges.Contains(bridge) ? Rendezvous.Owner(bridge, _membership.LiveNodes) : null;
        _claims.TryGetValue(bridge, out var claim);
        bool isActive;
        long activeToken;
        lock (_activeGate)
        {
            isActive = _active.TryGetValue(bridge, out activeToken);
        }

        if (claim is null)
        {
            if (isActive)
            {
                Stop(bridge, activeToken, "the claim is gone");
            }

            if (desired == _node)
            {
                await ClaimAsync(bridge, lease).ConfigureAwait(false);
            }

            return;
        }

        if (claim.Owner.Node != _node)
        {
            if (isActive)
            {
                Stop(bridge, activeToken, $"{claim.Owner.Node} holds the claim");
            }

            return;
        }

        if (claim.Owner.Lease != lease)
        {
            if (isActive)
            {
                Stop(bridge, activeToken, "claim from an earlier lease");
            }

            await ReleaseAsync(claim).ConfigureAwait(false);
            return;
        }

        if (desired != _node)
        {
            if (isActive)
            {
                Stop(bridge, activeToken, desired is null ? "bridge removed" : $"rebalance to {desired}");
            }

            await ReleaseAsync(claim).ConfigureAwait(false);
            return;
        }

        if (!isActive)
        {
            await ActivateAsync(bridge, claim.Token, lease).ConfigureAwait(false);
        }
    }

    private async Task ClaimAsync(string bridge, long lease)
    {
        var key = ClusterKeys.Owner(bridge);
        var result = await _store.TxnAsync(
            [StoreCompare.Absent(key)],
            [StoreOp.Put(key, OwnerRecord.Of(_node, lease).ToJson(), lease)]).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return;
        }

        _claims[bridge] = new BridgeClaim(bridge, OwnerRecord.Of(_node, lease), result.Revision);
        await ActivateAsync(bridge, result.Revision, lease).ConfigureAwait(false);
    }

    private async Task ActivateAsync(string bridge, long token, long lease)
    {
        if (_membership.Lease != lease || lease == 0)
        {
            return;
        }

        await _host.ActivateAsync(bridge, token).ConfigureAwait(false);
        var fencedMeanwhile = false;
        lock (_activeGate)
        {
            if (_membership.Lease == lease)
            {
                _active[bridge] = token;
            }
            else
            {
                fencedMeanwhile = true;
            }
        }

        if (fencedMeanwhile)
        {
            _host.Deactivate(bridge, token, "fenced while activating");
            return;
        }

        _log.Activated(bridge, _node, token);
        Changed?.Invoke(new BridgeActivated(bridge, _node, token));
    }

    private void Stop(string bridge, long token, string reason)
    {
        lock (_activeGate)
        {
            if (!_active.Remove(bridge))
            {
                return;
            }
        }

        _host.Deactivate(bridge, token, reason);
        _log.Deactivated(bridge, _node, token, reason);
        Changed?.Invoke(new BridgeDeactivated(bridge, _node, token, reason));
    }

    private async Task ReleaseAsync(BridgeClaim claim)
    {
        var key = ClusterKeys.Owner(claim.Bridge);
        await _store.TxnAsync([StoreCompare.CreatedAt(key, claim.Token)], [StoreOp.Delete(key)]).ConfigureAwait(false);
        if (_claims.TryGetValue(claim.Bridge, out var current) && current.Token == claim.Token)
        {
            _claims.Remove(claim.Bridge);
        }
    }
}
