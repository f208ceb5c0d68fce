using System.Text;
using VSwarm.Cluster.Etcd;
using Xunit;

namespace VSwarm.Tests.Cluster.Etcd;

[Collection(EtcdCollection.Name)]
public sealed class EtcdClientTests(EtcdFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;

    private static string Prefix() => $"/t/{Guid.NewGuid():N}/";

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Put_range_delete_round_trips_binary_values()
    {
        var key = Prefix() + "bin";
        byte[] value = [0x00, 0xff, 0x10, 0x0a, 0x22, 0x7b, 0x80, 0x00];

        var putRevision = await _client.PutAsync(key, value);
        var got = await _client.RangeAsync(key);

        Assert.True(got.Revision >= putRevision);
        var kv = Assert.Single(got.Kvs);
        Assert.Equal(key, kv.Key);
        Assert.Equal(value, kv.Value);
        Assert.Equal(putRevision, kv.ModRevision);
        Assert.Equal(putRevision, kv.CreateRevision);
        Assert.Equal(0, kv.Lease);

        await _client.PutAsync(key, value.Reverse().ToArray());
        var again = Assert.Single((await _client.RangeAsync(key)).Kvs);
        Assert.Equal(putRevision, again.CreateRevision);
        Assert.True(again.ModRevision > putRevision);

        Assert.Equal(1, await _client.DeleteAsync(key));
        Assert.Empty((await _client.RangeAsync(key)).Kvs);
        Assert.Equal(0, await _client.DeleteAsync(key));
    }

    [Fact]
    public async Task Prefix_range_and_prefix_delete_select_only_the_prefix()
    {
        var p = Prefix();
        await _client.PutAsync(p + "a", "1");
        await _client.PutAsync(p + "b", "2");
        await _client.PutAsync(p + "c/d", "3");
        await _client.PutAsync(p.TrimEnd('/') + "0", "outside"); // sorts right after the prefix range

        var got = await _client.RangeAsync(p, prefix: true);
        Assert.Equal([p + "a", p + "b", p + "c/d"], got.Kvs.Select(kv => kv.Key));
        Assert.Equal(["1", "2", "3"], got.Kvs.Select(kv => Encoding.UTF8.GetString(kv.Value)));

        Assert.Equal(3, await _client.DeleteAsync(p, prefix: true));
        Assert.Empty((await _client.RangeAsync(p, prefix: true)).Kvs);
        Assert.Single((await _client.RangeAsync(p.TrimEnd('/') + "0")).Kvs);
    }

    [Fact]
    public async Task Txn_create_if_absent_succeeds_once()
    {
        var key = Prefix() + "owner";

        var first = await _client.TxnAsync([EtcdCompare.Absent(key)], [EtcdOp.Put(key, Utf8("n1"))]);
        var second = await _client.TxnAsync(
            [EtcdCompare.Absent(key)], [EtcdOp.Put(key, Utf8("n2"))], [EtcdOp.Put(key + "/lost", Utf8("n2"))]);

        Assert.True(first.Succeeded);
        Assert.False(second.Succeeded);
        Assert.True(second.Revision > first.Revision); // the failure branch wrote
        var kv = Assert.Single((await _client.RangeAsync(key)).Kvs);
        Assert.Equal("n1", Encoding.UTF8.GetString(kv.Value));
        Assert.Equal(first.Revision, kv.CreateRevision);
        Assert.Single((await _client.RangeAsync(key + "/lost")).Kvs);
    }

    [Fact]
    public async Task Txn_mod_revision_fences_stale_writers()
    {
        var key = Prefix() + "cfg";
        var r1 = await _client.PutAsync(key, "v1");
        var r2 = await _client.PutAsync(key, "v2");

        var stale = await _client.TxnAsync([EtcdCompare.ModRevisionIs(key, r1)], [EtcdOp.Put(key, Utf8("stale"))]);
        var fresh = await _client.TxnAsync([EtcdCompare.ModRevisionIs(key, r2)], [EtcdOp.Delete(key)]);

        Assert.False(stale.Succeeded);
        Assert.Equal(r2, stale.Revision); // nothing written
        Assert.True(fresh.Succeeded);
        Assert.Empty((await _client.RangeAsync(key)).Kvs);
    }

    [Fact]
    public async Task Lease_grant_keepalive_renews_revoke_deletes_keys()
    {
        var key = Prefix() + "member";
        var lease = await _client.LeaseGrantAsync(1);
        Assert.NotEqual(0, lease.Id);
        // etcd raises a TTL below its minimum, ceil(1.5 × election timeout): 2 s with default settings,
        // but the fixture's 200 ms election timeout makes it 1 s (docs/stack.md §7), so TTL 1 stands here.
        Assert.True(lease.Ttl >= 1, $"granted TTL {lease.Ttl}");

        var exact = await _client.LeaseGrantAsync(7);
        Assert.Equal(7, exact.Ttl); // the TTL field really is sent (as "TTL", not "ttl")

        await _client.PutAsync(key, "here", lease.Id);
        Assert.Equal(lease.Id, Assert.Single((await _client.RangeAsync(key)).Kvs).Lease);

        Assert.Equal(lease.Ttl, await _client.LeaseKeepAliveOnceAsync(lease.Id));

        await _client.LeaseRevokeAsync(lease.Id);
        Assert.Empty((await _client.RangeAsync(key)).Kvs);
        Assert.Equal(0, await _client.LeaseKeepAliveOnceAsync(lease.Id));
        await _client.LeaseRevokeAsync(exact.Id);
    }

    [Fact]
    public async Task Watch_sees_put_then_delete_in_order()
    {
        var p = Prefix();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var start = (await _client.RangeAsync(p, prefix: true)).Revision;
        var events = new List<EtcdWatchEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var ev in _client.WatchAsync(p, start + 1, cts.Token))
            {
                events.Add(ev);
                if (events.Count == 2)
                {
                    return;
                }
            }
        });

        var put = await _client.PutAsync(p + "k", "v");
        var del = await _client.TxnAsync([], [EtcdOp.Delete(p + "k")]);
        await watching.WaitAsync(cts.Token);

        Assert.Equal(EtcdEventType.Put, events[0].Type);
        Assert.Equal(p + "k", events[0].Key);
        Assert.Equal("v", Encoding.UTF8.GetString(events[0].Value));
        Assert.Equal(put, events[0].ModRevision);
        Assert.Equal(EtcdEventType.Delete, events[1].Type);
        Assert.Equal(p + "k", events[1].Key);
        Assert.Equal(del.Revision, events[1].ModRevision);
    }

    [Fact]
    public async Task Watch_from_an_old_revision_replays_history()
    {
        var p = Prefix();
        var r1 = await _client.PutAsync(p + "a", "1");
        var r2 = await _client.PutAsync(p + "a", "2");
        await _client.DeleteAsync(p + "a");
        await _client.PutAsync(p + "b", "3");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = new List<EtcdWatchEvent>();
        await foreach (var ev in _client.WatchAsync(p, r1, cts.Token))
        {
            events.Add(ev);
            if (events.Count == 4)
            {
                break;
            }
        }

        Assert.Equal(
            [(EtcdEventType.Put, "a", "1"), (EtcdEventType.Put, "a", "2"), (EtcdEventType.Delete, "a", ""), (EtcdEventType.Put, "b", "3")],
            events.Select(e => (e.Type, e.Key[p.Length..], Encoding.UTF8.GetString(e.Value))));
        Assert.Equal([r1, r2], events.Take(2).Select(e => e.ModRevision));
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.ModRevision < pair.Second.ModRevision));
    }

    [Fact]
    public async Task Watch_from_now_ignores_the_created_header_and_past_events()
    {
        var p = Prefix();
        await _client.PutAsync(p + "old", "x");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await using var e = _client.WatchAsync(p, 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = e.MoveNextAsync().AsTask();
        await Task.Delay(300, cts.Token); // let the watch be created before writing
        await _client.PutAsync(p + "new", "y");
        Assert.True(await next);
        Assert.Equal(p + "new", e.Current.Key);
        Assert.Equal(EtcdEventType.Put, e.Current.Type);
    }

    [Fact]
    public async Task Watch_from_a_compacted_revision_throws_EtcdException()
    {
        var p = Prefix();
        var r1 = await _client.PutAsync(p + "a", "1");
        var r2 = await _client.PutAsync(p + "a", "2");
        await _client.CompactAsync(r2);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var ex = await Assert.ThrowsAsync<EtcdException>(async () =>
        {
            await foreach (var ev in _client.WatchAsync(p, r1, cts.Token))
            {
                Assert.Fail($"unexpected event at {ev.ModRevision}");
            }
        });
        Assert.Contains("compact", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Put_with_unknown_lease_throws_EtcdException()
    {
        var ex = await Assert.ThrowsAsync<EtcdException>(() => _client.PutAsync(Prefix() + "x", "y", lease: 123456789));
        Assert.NotEqual(0, ex.GrpcCode);
        Assert.Contains("lease", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_silent_server_surfaces_a_TimeoutException()
    {
        // Accepts the connection, never answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        using var client = new EtcdClient(new EtcdOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/"),
            RequestTimeout = TimeSpan.FromMilliseconds(200),
        });
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.RangeAsync("/x"));
        Assert.Contains("200 ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_resumes_after_a_dropped_connection_without_loss_or_repeats()
    {
        var p = Prefix();
        using var proxy = new TcpProxy(etcd.Endpoint);
        using var viaProxy = new EtcdClient(new EtcdOptions
        {
            Endpoint = proxy.Endpoint,
            WatchReconnectDelay = TimeSpan.FromMilliseconds(50),
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var r1 = await _client.PutAsync(p + "a", "1");
        await using var e = viaProxy.WatchAsync(p, r1, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await e.MoveNextAsync());
        Assert.Equal(r1, e.Current.ModRevision);

        proxy.DropAll();
        var r2 = await _client.PutAsync(p + "b", "2"); // written while the watch is down
        var r3 = await _client.DeleteAsync(p + "a");

        Assert.True(await e.MoveNextAsync());
        Assert.Equal((EtcdEventType.Put, p + "b", r2), (e.Current.Type, e.Current.Key, e.Current.ModRevision));
        Assert.True(await e.MoveNextAsync());
        Assert.Equal((EtcdEventType.Delete, p + "a"), (e.Current.Type, e.Current.Key));
        Assert.True(proxy.Accepted >= 2, $"{proxy.Accepted} connections");
        Assert.Equal(1, r3);
    }

    [Fact]
    public void Prefix_end_increments_the_last_byte()
    {
        Assert.Equal(Utf8("/a0"), EtcdClient.PrefixEnd(Utf8("/a/")));
        Assert.Equal(new byte[] { 0x62 }, EtcdClient.PrefixEnd([0x61, 0xff]));
        Assert.Equal(new byte[] { 0 }, EtcdClient.PrefixEnd([]));
    }
}
