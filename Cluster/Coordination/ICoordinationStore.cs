namespace VSwarm.Cluster.Coordination;

/// <summary>
/// The subset of etcd v3 the cluster needs: prefix reads, puts bound to a lease, deletes,
/// compare-and-set transactions on create/mod revision or value, leases (grant, keepalive,
/// revoke) and prefix watches from a revision. Membership, placement and durable state are
/// written against this interface so that the same code runs on real etcd
/// (<see cref="EtcdCoordinationStore"/>) and on <see cref="InMemoryCoordinationStore"/> under
/// virtual time in the in-process test harness.
/// </summary>
/// <remarks>
/// Every call may throw <see cref="StoreUnavailableException"/> when the store cannot be reached.
/// A watch callback is invoked in revision order, never concurrently with itself; it must not block.
/// </remarks>
public interface ICoordinationStore
{
    /// <summary>Reads one key (<paramref name="prefix"/> false) or every key under a prefix, in key order.</summary>
    Task<StoreRange> RangeAsync(string key, bool prefix, CancellationToken ct = default);

    /// <summary>Puts a value, bound to <paramref name="lease"/> when non-zero. Returns the revision.</summary>
    Task<long> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default);

    /// <summary>Deletes a key. Returns how many keys went (0 or 1).</summary>
    Task<long> DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>If every compare holds, runs <paramref name="success"/>, else <paramref name="failure"/>, atomically.</summary>
    Task<StoreTxnResult> TxnAsync(IReadOnlyList<StoreCompare> compare, IReadOnlyList<StoreOp> success, IReadOnlyList<StoreOp>? failure = null, CancellationToken ct = default);

    /// <summary>Grants a lease of at least <paramref name="ttl"/> (etcd rounds up to whole seconds, 2 s minimum).</summary>
    Task<StoreLease> LeaseGrantAsync(TimeSpan ttl, CancellationToken ct = default);

    /// <summary>Renews a lease once. Returns false when the lease has expired or does not exist.</summary>
    Task<bool> LeaseKeepAliveAsync(long lease, CancellationToken ct = default);

    /// <summary>Revokes a lease, deleting every key bound to it.</summary>
    Task LeaseRevokeAsync(long lease, CancellationToken ct = default);

    /// <summary>
    /// Watches every key under <paramref name="prefix"/> from <paramref name="fromRevision"/>
    /// (inclusive; take it from a <see cref="RangeAsync"/> answer + 1, so nothing between the read
    /// and the watch is missed). <paramref name="onError"/> is called when the watch ends on its
    /// own (e.g. the revision was compacted); the caller then re-reads and watches again.
    /// Dispose the result to stop.
    /// </summary>
    IDisposable Watch(string prefix, long fromRevision, Action<StoreEvent> onEvent, Action<Exception>? onError = null);
}
