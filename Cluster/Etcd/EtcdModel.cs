using System.Net;

namespace VSwarm.Cluster.Etcd;

/// <summary>Where etcd's JSON gateway is and how long a unary request may take.</summary>
public sealed class EtcdOptions
{
    /// <summary>Client URL, e.g. http://127.0.0.1:2379.</summary>
    public Uri Endpoint { get; init; } = new("http://127.0.0.1:2379");

    /// <summary>Deadline of a unary request (range, put, txn, lease calls). Not applied to watch streams.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause before a dropped watch stream is reopened.</summary>
    public TimeSpan WatchReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>One key-value pair as etcd stores it.</summary>
public sealed record EtcdKeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);

/// <summary>A range answer: the pairs and the store revision the answer was read at.</summary>
public sealed record EtcdRangeResult(long Revision, IReadOnlyList<EtcdKeyValue> Kvs);

/// <summary>Outcome of a transaction: which branch ran and the store revision after it.</summary>
public sealed record EtcdTxnResult(bool Succeeded, long Revision);

/// <summary>A granted lease: its id and the TTL etcd actually granted (at least its minimum, 2 s by default).</summary>
public sealed record EtcdLease(long Id, long Ttl);

public enum EtcdEventType
{
    Put,
    Delete,
}

/// <summary>One watch event. For a delete, <see cref="Value"/> is empty and <see cref="ModRevision"/> is the deletion's revision.</summary>
public sealed record EtcdWatchEvent(EtcdEventType Type, string Key, byte[] Value, long ModRevision);

/// <summary>A transaction guard.</summary>
public sealed record EtcdCompare(string Key, string Target, long Revision, byte[]? Value = null)
{
    /// <summary>True when the key holds exactly <paramref name="value"/>.</summary>
    public static EtcdCompare ValueIs(string key, byte[] value) => new(key, "VALUE", 0, value);

    /// <summary>True when the key does not exist (create-if-absent).</summary>
    public static EtcdCompare Absent(string key) => new(key, "CREATE", 0);

    /// <summary>True when the key was last modified at <paramref name="revision"/> (fencing).</summary>
    public static EtcdCompare ModRevisionIs(string key, long revision) => new(key, "MOD", revision);

    /// <summary>True when the key was created at <paramref name="revision"/>.</summary>
    public static EtcdCompare CreateRevisionIs(string key, long revision) => new(key, "CREATE", revision);
}

/// <summary>A transaction branch operation: a put or a (prefix) delete.</summary>
public sealed record EtcdOp
{
    private EtcdOp(bool isPut, string key, byte[] value, long lease, bool prefix)
    {
        IsPut = isPut;
        Key = key;
        Value = value;
        Lease = lease;
        Prefix = prefix;
    }

    public bool IsPut { get; }
    public string Key { get; }
    public byte[] Value { get; }
    public long Lease { get; }
    public bool Prefix { get; }

    public static EtcdOp Put(string key, byte[] value, long lease = 0) => new(true, key, value, lease, false);

    public static EtcdOp Delete(string key, bool prefix = false) => new(false, key, [], 0, prefix);
}

/// <summary>etcd answered with an error (HTTP status and gRPC code), or the answer could not be read.</summary>
public sealed class EtcdException : Exception
{
    public EtcdException()
    {
    }

    public EtcdException(string message)
        : base(message)
    {
    }

    public EtcdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EtcdException(HttpStatusCode status, int grpcCode, string message)
        : base($"etcd error (HTTP {(int)status}, gRPC code {grpcCode}): {message}")
    {
        Status = status;
        GrpcCode = grpcCode;
        EtcdMessage = message;
    }

    public HttpStatusCode Status { get; }
    public int GrpcCode { get; }
    public string EtcdMessage { get; } = "";
}
