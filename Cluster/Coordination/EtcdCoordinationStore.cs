using System.Text;
using VSwarm.Cluster.Etcd;

namespace VSwarm.Cluster.Coordination;

/// <summary>
/// <see cref="ICoordinationStore"/> over etcd's JSON gateway (<see cref="EtcdClient"/>). Transport
/// failures (connection refused, a request past its deadline) become
/// <see cref="StoreUnavailableException"/>; etcd's own refusals stay <see cref="EtcdException"/>.
/// </summary>
public sealed class EtcdCoordinationStore : ICoordinationStore, IDisposable
{
    private readonly EtcdClient _client;
    private readonly bool _owns;

    /// <summary>Wraps <paramref name="client"/>; disposes it when <paramref name="ownsClient"/>.</summary>
    public EtcdCoordinationStore(EtcdClient client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _owns = ownsClient;
    }

    /// <summary>The etcd endpoint, for log lines.</summary>
    public Uri Endpoint => _client.Options.Endpoint;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_owns)
        {
            _client.Dispose();
        }
    }

    /// <inheritdoc/>
    public Task<StoreRange> RangeAsync(string key, bool prefix, CancellationToken ct = default) => Guard(async () =>
    {
        var r = await _client.RangeAsync(key, prefix, ct).ConfigureAwait(false);
        return new StoreRange(r.Revision, [.. r.Kvs.Select(ToKv)]);
    });

    /// <inheritdoc/>
    public Task<long> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default) =>
        Guard(() => _client.PutAsync(key, value, lease, ct));

    /// <inheritdoc/>
    public Task<long> DeleteAsync(string key, CancellationToken ct = default) => Guard(() => _client.DeleteAsync(key, false, ct));

    /// <inheritdoc/>
    public Task<StoreTxnResult> TxnAsync(IReadOnlyList<StoreCompare> compare, IReadOnlyList<StoreOp> success, IReadOnlyList<StoreOp>? failure = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(compare);
        ArgumentNullException.ThrowIfNull(success);
        return Guard(async () =>
        {
            var r = await _client.TxnAsync(compare.Select(ToCompare), success.Select(ToOp), failure?.Select(ToOp), ct).ConfigureAwait(false);
            return new StoreTxnResult(r.Succeeded, r.Revision);
        });
    }

    /// <inheritdoc/>
    public Task<StoreLease> LeaseGrantAsync(TimeSpan ttl, CancellationToken ct = default) => Guard(async () =>
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var l = await _client.LeaseGrantAsync(seconds, ct).ConfigureAwait(false);
        return new StoreLease(l.Id, TimeSpan.FromSeconds(l.Ttl));
    });

    /// <inheritdoc/>
    public Task<bool> LeaseKeepAliveAsync(long lease, CancellationToken ct = default) =>
        Guard(async () => await _client.LeaseKeepAliveOnceAsync(lease, ct).ConfigureAwait(false) > 0);

    /// <inheritdoc/>
    public Task LeaseRevokeAsync(long lease, CancellationToken ct = default) => Guard(async () =>
    {
        await _client.LeaseRevokeAsync(lease, ct).ConfigureAwait(false);
        return true;
    });

    /// <inheritdoc/>
    public IDisposable Watch(string prefix, long fromRevision, Action<StoreEvent> onEvent, Action<Exception>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var cts = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in _client.WatchAsync(prefix, fromRevision, cts.Token).ConfigureAwait(false))
                {
                    onEvent(new StoreEvent(e.Type == EtcdEventType.Delete, e.Key, Encoding.UTF8.GetString(e.Value), e.ModRevision));
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                // Disposed.
            }
            catch (Exception ex) when (ex is EtcdException or HttpRequestException or IOException or TimeoutException)
            {
                onError?.Invoke(ex);
            }
        });
        return new WatchHandle(cts);
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StoreUnavailableException($"etcd unreachable: {ex.Message}", ex);
        }
        catch (TimeoutException ex)
        {
            throw new StoreUnavailableException(ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new StoreUnavailableException($"etcd connection failed: {ex.Message}", ex);
        }
    }

    private static StoreKeyValue ToKv(EtcdKeyValue kv) =>
        new(kv.Key, Encoding.UTF8.GetString(kv.Value), kv.CreateRevision, kv.ModRevision, kv.Lease);

    private static EtcdCompare ToCompare(StoreCompare c) => c.Target switch
    {
        CompareTarget.CreateRevision => EtcdCompare.CreateRevisionIs(c.Key, c.Revision),
        CompareTarget.ModRevision => EtcdCompare.ModRevisionIs(c.Key, c.Revision),
        _ => EtcdCompare.ValueIs(c.Key, Encoding.UTF8.GetBytes(c.Value ?? string.Empty)),
    };

    private static EtcdOp ToOp(StoreOp op) => op.IsPut
        ? EtcdOp.Put(op.Key, Encoding.UTF8.GetBytes(op.Value), op.Lease)
        : EtcdOp.Delete(op.Key);

    private sealed class WatchHandle(CancellationTokenSource cts) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                cts.Cancel();
                cts.Dispose();
            }
        }
    }
}
