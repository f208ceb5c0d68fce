using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace VSwarm.Cluster.Etcd;

/// <summary>
/// etcd v3 client over the HTTP/JSON gateway (/v3/...). Unary calls carry a deadline
/// (<see cref="EtcdOptions.RequestTimeout"/>) and throw <see cref="TimeoutException"/> when it passes;
/// error answers throw <see cref="EtcdException"/>.
/// </summary>
public sealed class EtcdClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly EtcdOptions _options;

    public EtcdClient(EtcdOptions options, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _ownsHttp = http is null;
        // Infinite at the HttpClient level: unary deadlines are per request, watch streams are long-lived.
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    public EtcdOptions Options => _options;

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>Reads one key, or every key under <paramref name="key"/> when <paramref name="prefix"/> is set.</summary>
    public async Task<EtcdRangeResult> RangeAsync(string key, bool prefix = false, CancellationToken ct = default)
    {
        var k = Encoding.UTF8.GetBytes(key);
        var req = new RangeRequestDto { Key = k, RangeEnd = prefix ? PrefixEnd(k) : null };
        var resp = await PostAsync<RangeRequestDto, RangeResponseDto>("v3/kv/range", req, ct);
        var kvs = resp.Kvs?.Select(ToKeyValue).ToList() ?? [];
        return new EtcdRangeResult(resp.Header?.Revision ?? 0, kvs);
    }

    /// <summary>Writes a key, bound to <paramref name="lease"/> when it is not 0. Returns the store revision.</summary>
    public async Task<long> PutAsync(string key, byte[] value, long lease = 0, CancellationToken ct = default)
    {
        var resp = await PostAsync<PutRequestDto, HeaderOnlyResponseDto>("v3/kv/put", ToPut(key, value, lease), ct);
        return resp.Header?.Revision ?? 0;
    }

    /// <summary>Writes a UTF-8 string value.</summary>
    public Task<long> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), lease, ct);

    /// <summary>Deletes a key, or every key under it when <paramref name="prefix"/> is set. Returns how many went.</summary>
    public async Task<long> DeleteAsync(string key, bool prefix = false, CancellationToken ct = default)
    {
        var resp = await PostAsync<DeleteRangeRequestDto, DeleteRangeResponseDto>("v3/kv/deleterange", ToDelete(key, prefix), ct);
        return resp.Deleted;
    }

    /// <summary>Atomically: if every compare holds, run <paramref name="success"/>, else <paramref name="failure"/>.</summary>
    public async Task<EtcdTxnResult> TxnAsync(
        IEnumerable<EtcdCompare> compare,
        IEnumerable<EtcdOp> success,
        IEnumerable<EtcdOp>? failure = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(compare);
        ArgumentNullException.ThrowIfNull(success);
        var req = new TxnRequestDto
        {
            Compare = compare.Select(ToCompare).ToList(),
            Success = success.Select(ToOp).ToList(),
            Failure = failure?.Select(ToOp).ToList() ?? [],
        };
        var resp = await PostAsync<TxnRequestDto, TxnResponseDto>("v3/kv/txn", req, ct);
        return new EtcdTxnResult(resp.Succeeded, resp.Header?.Revision ?? 0);
    }

    /// <summary>Discards history older than <paramref name="revision"/>; watches from before it are refused.</summary>
    public async Task CompactAsync(long revision, CancellationToken ct = default) =>
        await PostAsync<CompactionRequestDto, HeaderOnlyResponseDto>(
            "v3/kv/compaction", new CompactionRequestDto { Revision = revision, Physical = true }, ct);

    /// <summary>Grants a lease. etcd may raise the TTL to its minimum (2 s by default).</summary>
    public async Task<EtcdLease> LeaseGrantAsync(long ttlSeconds, CancellationToken ct = default)
    {
        var resp = await PostAsync<LeaseGrantRequestDto, LeaseGrantResponseDto>(
            "v3/lease/grant", new LeaseGrantRequestDto { Ttl = ttlSeconds }, ct);
        if (!string.IsNullOrEmpty(resp.Error))
        {
            throw new EtcdException(HttpStatusCode.OK, 0, resp.Error);
        }

        return new EtcdLease(resp.Id, resp.Ttl);
    }

    /// <summary>Renews a lease once. Returns the new TTL, or 0 when the lease has expired or does not exist.</summary>
    public async Task<long> LeaseKeepAliveOnceAsync(long leaseId, CancellationToken ct = default)
    {
        // keepalive is a streaming RPC: the gateway wraps the single answer in {"result":…}.
        var resp = await PostAsync<LeaseIdRequestDto, StreamEnvelope<LeaseKeepAliveResponseDto>>(
            "v3/lease/keepalive", new LeaseIdRequestDto { Id = leaseId }, ct);
        if (resp.Error is { } err)
        {
            throw StreamError(err);
        }

        return resp.Result?.Ttl ?? 0;
    }

    /// <summary>Revokes a lease, deleting every key bound to it.</summary>
    public async Task LeaseRevokeAsync(long leaseId, CancellationToken ct = default) =>
        await PostAsync<LeaseIdRequestDto, HeaderOnlyResponseDto>("v3/lease/revoke", new LeaseIdRequestDto { Id = leaseId }, ct);

    /// <summary>
    /// Watches every key under <paramref name="prefix"/>, starting at <paramref name="fromRevision"/>
    /// (0 = from now). A dropped stream is reopened from the last seen revision + 1, so no event is lost
    /// or repeated. Ends only by cancellation (OperationCanceledException) or an etcd error (e.g. the
    /// start revision was compacted).
    /// </summary>
    public async IAsyncEnumerable<EtcdWatchEvent> WatchAsync(
        string prefix,
        long fromRevision = 0,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var key = Encoding.UTF8.GetBytes(prefix);
        var rangeEnd = PrefixEnd(key);
        var next = fromRevision;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var stream = await TryOpenWatchAsync(key, rangeEnd, next, ct);
            if (stream is not null)
            {
                using (stream)
                {
                    while (await stream.TryReadAsync(ct) is { } resp)
                    {
                        if (resp.Canceled)
                        {
                            throw new EtcdException(
                                $"watch on '{prefix}' canceled by etcd (compact revision {resp.CompactRevision}): {resp.CancelReason}");
                        }

                        if (resp.Created)
                        {
                            // "From now" becomes a concrete revision, so a reconnect misses nothing.
                            if (next == 0)
                            {
                                next = (resp.Header?.Revision ?? 0) + 1;
                            }

                            continue;
                        }

                        foreach (var ev in resp.Events ?? [])
                        {
                            var e = ToEvent(ev);
                            next = e.ModRevision + 1;
                            yield return e;
                        }
                    }
                }
            }

            await Task.Delay(_options.WatchReconnectDelay, ct);
        }
    }

    private async Task<WatchStream?> TryOpenWatchAsync(byte[] key, byte[] rangeEnd, long startRevision, CancellationToken ct)
    {
        var body = new WatchRequestDto
        {
            CreateRequest = new WatchCreateRequestDto { Key = key, RangeEnd = rangeEnd, StartRevision = startRevision },
        };
        HttpResponseMessage? resp = null;
        try
        {
            using var content = JsonContent.Create(body, options: EtcdJson.Options);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.Endpoint, "v3/watch")) { Content = content };
            resp = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!resp.IsSuccessStatusCode)
            {
                var text = await resp.Content.ReadAsStringAsync(ct);
                throw ErrorFrom(resp.StatusCode, text);
            }

            var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
            var stream = new WatchStream(resp, reader);
            resp = null;
            return stream;
        }
        catch (HttpRequestException)
        {
            // etcd unreachable right now: the caller waits and retries.
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            resp?.Dispose();
        }
    }

    private sealed class WatchStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        /// <summary>The next watch response, or null when the stream ended or broke.</summary>
        public async Task<WatchResponseDto?> TryReadAsync(CancellationToken ct)
        {
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct);
                }
                catch (IOException)
                {
                    return null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }

                if (line is null)
                {
                    return null;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                StreamEnvelope<WatchResponseDto>? env;
                try
                {
                    env = JsonSerializer.Deserialize<StreamEnvelope<WatchResponseDto>>(line, EtcdJson.Options);
                }
                catch (JsonException ex)
                {
                    throw new EtcdException($"unreadable watch message: {line}", ex);
                }

                if (env?.Error is { } err)
                {
                    throw StreamError(err);
                }

                if (env?.Result is { } result)
                {
                    return result;
                }
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    private async Task<TResp> PostAsync<TReq, TResp>(string path, TReq body, CancellationToken ct)
        where TResp : class
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_options.RequestTimeout);
        string text;
        HttpStatusCode status;
        try
        {
            using var content = JsonContent.Create(body, options: EtcdJson.Options);
            using var resp = await _http.PostAsync(new Uri(_options.Endpoint, path), content, cts.Token);
            status = resp.StatusCode;
            text = await resp.Content.ReadAsStringAsync(cts.Token);
            if (!resp.IsSuccessStatusCode)
            {
                throw ErrorFrom(status, text);
            }
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"etcd {path} at {_options.Endpoint} did not answer within {_options.RequestTimeout.TotalMilliseconds} ms", ex);
        }

        try
        {
            return JsonSerializer.Deserialize<TResp>(text, EtcdJson.Options)
                ?? throw new EtcdException(status, 0, $"empty answer from {path}");
        }
        catch (JsonException ex)
        {
            throw new EtcdException($"unreadable answer from {path}: {text}", ex);
        }
    }

    private static EtcdException ErrorFrom(HttpStatusCode status, string text)
    {
        try
        {
            var err = JsonSerializer.Deserialize<ErrorDto>(text, EtcdJson.Options);
            if (err is not null)
            {
                return new EtcdException(status, err.Code, err.Message ?? err.Error ?? text);
            }
        }
        catch (JsonException)
        {
            // Not a gateway error body; report the raw text.
        }

        return new EtcdException(status, 0, text);
    }

    private static EtcdException StreamError(StreamErrorDto err) =>
        new(err.HttpCode != 0 ? (HttpStatusCode)err.HttpCode : HttpStatusCode.OK, err.GrpcCode, err.Message ?? "");

    /// <summary>The range end that selects every key starting with <paramref name="prefix"/>.</summary>
    internal static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        // Empty prefix, or all 0xff: every key from here on.
        return [0];
    }

    private static PutRequestDto ToPut(string key, byte[] value, long lease) =>
        new() { Key = Encoding.UTF8.GetBytes(key), Value = value, Lease = lease == 0 ? null : lease };

    private static DeleteRangeRequestDto ToDelete(string key, bool prefix)
    {
        var k = Encoding.UTF8.GetBytes(key);
        return new DeleteRangeRequestDto { Key = k, RangeEnd = prefix ? PrefixEnd(k) : null };
    }

    private static CompareDto ToCompare(EtcdCompare c) => c.Target switch
    {
        "CREATE" => new CompareDto { Key = Encoding.UTF8.GetBytes(c.Key), Target = "CREATE", CreateRevision = c.Revision },
        "MOD" => new CompareDto { Key = Encoding.UTF8.GetBytes(c.Key), Target = "MOD", ModRevision = c.Revision },
        "VALUE" => new CompareDto { Key = Encoding.UTF8.GetBytes(c.Key), Target = "VALUE", Value = c.Value ?? [] },
        _ => throw new ArgumentException($"unsupported compare target {c.Target}", nameof(c)),
    };

    private static RequestOpDto ToOp(EtcdOp op) => op.IsPut
        ? new RequestOpDto { RequestPut = ToPut(op.Key, op.Value, op.Lease) }
        : new RequestOpDto { RequestDeleteRange = ToDelete(op.Key, op.Prefix) };

    private static EtcdKeyValue ToKeyValue(KeyValueDto kv) => new(
        Encoding.UTF8.GetString(kv.Key ?? []), kv.Value ?? [], kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static EtcdWatchEvent ToEvent(EventDto ev)
    {
        var kv = ev.Kv ?? new KeyValueDto();
        // proto3 JSON omits the default enum value, so a PUT arrives without "type".
        var type = ev.Type == "DELETE" ? EtcdEventType.Delete : EtcdEventType.Put;
        return new EtcdWatchEvent(type, Encoding.UTF8.GetString(kv.Key ?? []), kv.Value ?? [], kv.ModRevision);
    }
}
