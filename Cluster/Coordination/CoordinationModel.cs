namespace VSwarm.Cluster.Coordination;

/// <summary>One key as the coordination store holds it (etcd's mvccpb.KeyValue, reduced).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (UTF-8 text for every VSwarm key).</param>
/// <param name="CreateRevision">Store revision that created the key; a claim's fencing token.</param>
/// <param name="ModRevision">Store revision of the last change.</param>
/// <param name="Lease">Lease the key is bound to, 0 for none.</param>
public sealed record StoreKeyValue(string Key, string Value, long CreateRevision, long ModRevision, long Lease);

/// <summary>A prefix read: the keys in key order and the revision the read saw.</summary>
public sealed record StoreRange(long Revision, IReadOnlyList<StoreKeyValue> Kvs);

/// <summary>A change seen by a watch. For a delete, <see cref="Value"/> is empty.</summary>
/// <param name="IsDelete">True for a delete (including a lease expiry).</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value of a put.</param>
/// <param name="Revision">The store revision of the change.</param>
public sealed record StoreEvent(bool IsDelete, string Key, string Value, long Revision);

/// <summary>Outcome of a transaction: which branch ran and the revision after it (the revision of its writes when it wrote).</summary>
public sealed record StoreTxnResult(bool Succeeded, long Revision);

/// <summary>A granted lease and the TTL the store actually granted.</summary>
public sealed record StoreLease(long Id, TimeSpan Ttl);

/// <summary>What a transaction guard compares.</summary>
public enum CompareTarget
{
    /// <summary>create_revision (0 = the key does not exist).</summary>
    CreateRevision,

    /// <summary>mod_revision (0 = the key does not exist).</summary>
    ModRevision,

    /// <summary>The value, as text.</summary>
    Value,
}

/// <summary>A transaction guard: <see cref="Target"/> of <see cref="Key"/> equals the expected revision or value.</summary>
public sealed record StoreCompare(string Key, CompareTarget Target, long Revision, string? Value = null)
{
    /// <summary>The key does not exist (etcd: create_revision == 0).</summary>
    public static StoreCompare Absent(string key) => new(key, CompareTarget.CreateRevision, 0);

    /// <summary>The key was created at <paramref name="revision"/> (it is still the same incarnation).</summary>
    public static StoreCompare CreatedAt(string key, long revision) => new(key, CompareTarget.CreateRevision, revision);

    /// <summary>The key was last changed at <paramref name="revision"/> (optimistic concurrency).</summary>
    public static StoreCompare ModifiedAt(string key, long revision) => new(key, CompareTarget.ModRevision, revision);

    /// <summary>The key holds <paramref name="value"/>.</summary>
    public static StoreCompare ValueIs(string key, string value) => new(key, CompareTarget.Value, 0, value);
}

/// <summary>A transaction operation: put (optionally on a lease) or delete.</summary>
public sealed record StoreOp(bool IsPut, string Key, string Value, long Lease)
{
    /// <summary>Puts <paramref name="value"/> under <paramref name="key"/>, bound to <paramref name="lease"/> when non-zero.</summary>
    public static StoreOp Put(string key, string value, long lease = 0) => new(true, key, value, lease);

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public static StoreOp Delete(string key) => new(false, key, string.Empty, 0);
}

/// <summary>
/// The store could not be reached (etcd down, the node partitioned from it, a request timed out).
/// Callers treat it as "unknown": they retry, and membership counts it as a missed keepalive.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the transport's error.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
