using VSwarm.Runtime;

namespace VSwarm.Cluster.Coordination;

/// <summary>
/// An etcd stand-in for the in-process test harness only (many nodes in one process on virtual
/// time); production nodes use <see cref="EtcdCoordinationStore"/>. It keeps etcd's semantics
/// that the cluster relies on: one global revision, create/mod revisions, leases whose keys are
/// deleted when the lease expires, and watches that replay from a revision. Leases expire on an
/// <see cref="IScheduler"/>, so a <see cref="VirtualTimeScheduler"/> drives them. Each node talks
/// to the store through <see cref="ForNode"/>; <see cref="Partition"/> cuts that node off (its
/// calls throw <see cref="StoreUnavailableException"/>, its watches stall and catch up on
/// <see cref="Heal"/>, like an etcd watch that reconnects from its last revision).
/// </summary>
/// <remarks>
/// Calls complete synchronously; watch callbacks run after the call that caused them, in
/// revision order, from one delivery loop (never re-entered), so a harness run is deterministic.
/// Not thread-safe beyond a coarse lock; drive it from one thread.
/// </remarks>
public sealed class InMemoryCoordinationStore
{
    private readonly IScheduler _scheduler;
    private readonly object _gate = new();
    private readonly SortedDictionary<string, StoreKeyValue> _kvs = new(StringComparer.Ordinal);
    private readonly Dictionary<long, LeaseState> _leases = [];
    private readonly List<StoreEvent> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly HashSet<string> _partitioned = new(StringComparer.Ordinal);
    private readonly Queue<Action> _deliveries = new();
    private bool _delivering;
    private long _revision = 1;
    private long _nextLease = 0x1000;

    /// <summary>Creates an empty store whose leases run on <paramref name="scheduler"/>.</summary>
    public InMemoryCoordinationStore(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
    }

    /// <summary>The current store revision.</summary>
    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Lease ids alive now.</summary>
    public IReadOnlyCollection<long> LiveLeases
    {
        get
        {
            lock (_gate)
            {
                return [.. _leases.Keys];
            }
        }
    }

    /// <summary>The store as node <paramref name="node"/> sees it (subject to <see cref="Partition"/>).</summary>
    public ICoordinationStore ForNode(string node) => new NodeView(this, node);

    /// <summary>Cuts <paramref name="node"/> off the store until <see cref="Heal"/>.</summary>
    public void Partition(string node)
    {
        lock (_gate)
        {
            _partitioned.Add(node);
        }
    }

    /// <summary>Reconnects <paramref name="node"/>: its stalled watches deliver what they missed.</summary>
    public void Heal(string node)
    {
        lock (_gate)
        {
            _partitioned.Remove(node);
            foreach (var w in _watchers.Where(w => w.Node == node))
            {
                Enqueue(w);
            }
        }

        Deliver();
    }

    /// <summary>True when <paramref name="node"/> is cut off.</summary>
    public bool IsPartitioned(string node)
    {
        lock (_gate)
        {
            return _partitioned.Contains(node);
        }
    }

    /// <summary>Expires a lease now (etcd's view of a holder that stopped renewing), deleting its keys.</summary>
    public void ExpireLease(long lease)
    {
        lock (_gate)
        {
            RevokeLocked(lease);
        }

        Deliver();
    }

    /// <summary>A snapshot of every key (for assertions).</summary>
    public IReadOnlyList<StoreKeyValue> Snapshot(string prefix = "")
    {
        lock (_gate)
        {
            return [.. _kvs.Values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))];
        }
    }

    private void Check(string node)
    {
        lock (_gate)
        {
            if (_partitioned.Contains(node))
            {
                throw new StoreUnavailableException($"node {node} is partitioned from the store");
            }
        }
    }

    private StoreRange Range(string key, bool prefix)
    {
        lock (_gate)
        {
            var kvs = prefix
                ? _kvs.Values.Where(kv => kv.Key.StartsWith(key, StringComparison.Ordinal)).ToList()
                : _kvs.TryGetValue(key, out var one) ? [one] : [];
            return new StoreRange(_revision, kvs);
        }
    }

    private StoreTxnResult Txn(IReadOnlyList<StoreCompare> compare, IReadOnlyList<StoreOp> success, IReadOnlyList<StoreOp>? failure)
    {
        bool ok;
        long rev;
        lock (_gate)
        {
            ok = compare.All(Holds);
            var ops = ok ? success : failure ?? [];
            foreach (var op in ops.Where(o => o.IsPut && o.Lease != 0 && !_leases.ContainsKey(o.Lease)))
            {
                throw new InvalidOperationException($"etcdserver: requested lease not found ({op.Lease:x})");
            }

            var writes = ops.Where(o => o.IsPut || _kvs.ContainsKey(o.Key)).ToList();
            if (writes.Count > 0)
            {
                _revision++;
                foreach (var op in writes)
                {
                    Apply(op, _revision);
                }
            }

            rev = _revision;
        }

        Deliver();
        return new StoreTxnResult(ok, rev);
    }

    private bool Holds(StoreCompare c)
    {
        _kvs.TryGetValue(c.Key, out var kv);
        return c.Target switch
        {
            CompareTarget.CreateRevision => (kv?.CreateRevision ?? 0) == c.Revision,
            CompareTarget.ModRevision => (kv?.ModRevision ?? 0) == c.Revision,
            _ => kv is not null && string.Equals(kv.Value, c.Value, StringComparison.Ordinal),
        };
    }

    private void Apply(StoreOp op, long rev)
    {
        if (op.IsPut)
        {
            _kvs.TryGetValue(op.Key, out var old);
            if (old is { Lease: not 0 } && _leases.TryGetValue(old.Lease, out var oldLease))
            {
                oldLease.Keys.Remove(op.Key);
            }

            _kvs[op.Key] = new StoreKeyValue(op.Key, op.Value, old?.CreateRevision ?? rev, rev, op.Lease);
            if (op.Lease != 0)
            {
                _leases[op.Lease].Keys.Add(op.Key);
            }

            Record(new StoreEvent(false, op.Key, op.Value, rev));
        }
        else if (_kvs.Remove(op.Key, out var old))
        {
            if (old.Lease != 0 && _leases.TryGetValue(old.Lease, out var l))
            {
                l.Keys.Remove(op.Key);
            }

            Record(new StoreEvent(true, op.Key, string.Empty, rev));
        }
    }

    private void Record(StoreEvent e)
    {
        _history.Add(e);
        foreach (var w in _watchers.Where(w => e.Key.StartsWith(w.Prefix, StringComparison.Ordinal)))
        {
            Enqueue(w);
        }
    }

    private StoreLease Grant(TimeSpan ttl)
    {
        lock (_gate)
        {
            var id = _nextLease++;
            var state = new LeaseState(ttl);
            _leases[id] = state;
            Arm(id, state);
            return new StoreLease(id, ttl);
        }
    }

    private bool KeepAlive(long lease)
    {
        lock (_gate)
        {
            if (!_leases.TryGetValue(lease, out var state))
            {
                return false;
            }

            Arm(lease, state);
            return true;
        }
    }

    private void Arm(long id, LeaseState state)
    {
        state.Timer?.Cancel();
        state.Timer = _scheduler.ScheduleOnce(state.Ttl, () => ExpireLease(id));
    }

    private void RevokeLocked(long lease)
    {
        if (!_leases.Remove(lease, out var state))
        {
            return;
        }

        state.Timer?.Cancel();
        if (state.Keys.Count == 0)
        {
            return;
        }

        _revision++;
        foreach (var key in state.Keys.Order(StringComparer.Ordinal).ToList())
        {
            _kvs.Remove(key);
            Record(new StoreEvent(true, key, string.Empty, _revision));
        }
    }

    private WatchHandle AddWatcher(string node, string prefix, long from, Action<StoreEvent> onEvent)
    {
        Watcher w;
        lock (_gate)
        {
            var position = _history.FindIndex(e => e.Revision >= from);
            w = new Watcher(node, prefix, position < 0 ? _history.Count : position, onEvent);
            _watchers.Add(w);
            Enqueue(w);
        }

        Deliver();
        return new WatchHandle(this, w);
    }

    /// <summary>Queues a catch-up of <paramref name="w"/> (its events after its cursor). Caller holds the lock.</summary>
    private void Enqueue(Watcher w) => _deliveries.Enqueue(() => CatchUp(w));

    private void CatchUp(Watcher w)
    {
        while (true)
        {
            StoreEvent? next;
            lock (_gate)
            {
                if (w.Stopped || _partitioned.Contains(w.Node))
                {
                    return;
                }

                next = null;
                while (next is null && w.Position < _history.Count)
                {
                    var e = _history[w.Position++];
                    if (e.Key.StartsWith(w.Prefix, StringComparison.Ordinal))
                    {
                        next = e;
                    }
                }

                if (next is null)
                {
                    return;
                }
            }

            w.OnEvent(next);
        }
    }

    private void Deliver()
    {
        lock (_gate)
        {
            if (_delivering)
            {
                return;
            }

            _delivering = true;
        }

        try
        {
            while (true)
            {
                Action? work;
                lock (_gate)
                {
                    if (!_deliveries.TryDequeue(out work))
                    {
                        _delivering = false;
                        return;
                    }
                }

                work();
            }
        }
        catch
        {
            lock (_gate)
            {
                _delivering = false;
            }

            throw;
        }
    }

    private sealed class LeaseState(TimeSpan ttl)
    {
        public TimeSpan Ttl { get; } = ttl;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public ICancelable? Timer { get; set; }
    }

    /// <summary>A watch: a cursor into the store's history (several events can share a revision: a txn, a lease expiry).</summary>
    private sealed class Watcher(string node, string prefix, int position, Action<StoreEvent> onEvent)
    {
        public string Node { get; } = node;

        public string Prefix { get; } = prefix;

        public int Position { get; set; } = position;

        public Action<StoreEvent> OnEvent { get; } = onEvent;

        public bool Stopped { get; set; }
    }

    private sealed class WatchHandle(InMemoryCoordinationStore store, Watcher w) : IDisposable
    {
        public void Dispose()
        {
            lock (store._gate)
            {
                w.Stopped = true;
                store._watchers.Remove(w);
            }
        }
    }

    private sealed class NodeView(InMemoryCoordinationStore store, string node) : ICoordinationStore
    {
        public Task<StoreRange> RangeAsync(string key, bool prefix, CancellationToken ct = default)
        {
            store.Check(node);
            return Task.FromResult(store.Range(key, prefix));
        }

        public Task<long> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default)
        {
            store.Check(node);
            return Task.FromResult(store.Txn([], [StoreOp.Put(key, value, lease)], null).Revision);
        }

        public Task<long> DeleteAsync(string key, CancellationToken ct = default)
        {
            store.Check(node);
            var existed = store.Range(key, false).Kvs.Count;
            store.Txn([], [StoreOp.Delete(key)], null);
            return Task.FromResult((long)existed);
        }

        public Task<StoreTxnResult> TxnAsync(IReadOnlyList<StoreCompare> compare, IReadOnlyList<StoreOp> success, IReadOnlyList<StoreOp>? failure = null, CancellationToken ct = default)
        {
            ArgumentNullException.ThrowIfNull(compare);
            ArgumentNullException.ThrowIfNull(success);
            store.Check(node);
            return Task.FromResult(store.Txn(compare, success, failure));
        }

        public Task<StoreLease> LeaseGrantAsync(TimeSpan ttl, CancellationToken ct = default)
        {
            store.Check(node);
            return Task.FromResult(store.Grant(ttl));
        }

        public Task<bool> LeaseKeepAliveAsync(long lease, CancellationToken ct = default)
        {
            store.Check(node);
            return Task.FromResult(store.KeepAlive(lease));
        }

        public Task LeaseRevokeAsync(long lease, CancellationToken ct = default)
        {
            store.Check(node);
            store.ExpireLease(lease);
            return Task.CompletedTask;
        }

        public IDisposable Watch(string prefix, long fromRevision, Action<StoreEvent> onEvent, Action<Exception>? onError = null)
        {
            ArgumentNullException.ThrowIfNull(onEvent);
            return store.AddWatcher(node, prefix, fromRevision, onEvent);
        }
    }
}
