using VSwarm.Cluster.Coordination;
using Xunit;

namespace VSwarm.Tests.Cluster.Coordination;

/// <summary>The behaviour both stores must share (run on etcd and on the in-memory stand-in).</summary>
internal static class StoreContract
{
    public static async Task TransactionsCompareRevisionsAndValues(ICoordinationStore s, string p)
    {
        var key = p + "k";
        var created = await s.TxnAsync([StoreCompare.Absent(key)], [StoreOp.Put(key, "a")]);
        Assert.True(created.Succeeded);
        Assert.False((await s.TxnAsync([StoreCompare.Absent(key)], [StoreOp.Put(key, "b")])).Succeeded);

        var kv = (await s.RangeAsync(key, false)).Kvs.Single();
        Assert.Equal("a", kv.Value);
        Assert.Equal(created.Revision, kv.CreateRevision);
        Assert.True((await s.TxnAsync([StoreCompare.ValueIs(key, "a")], [StoreOp.Put(key, "c")])).Succeeded);
        Assert.False((await s.TxnAsync([StoreCompare.ValueIs(key, "a")], [StoreOp.Put(key, "d")])).Succeeded);
        Assert.False((await s.TxnAsync([StoreCompare.ModifiedAt(key, kv.ModRevision)], [StoreOp.Put(key, "e")])).Succeeded);
        var now = (await s.RangeAsync(key, false)).Kvs.Single();
        Assert.Equal("c", now.Value);
        Assert.Equal(created.Revision, now.CreateRevision);
        Assert.True((await s.TxnAsync([StoreCompare.CreatedAt(key, created.Revision)], [StoreOp.Delete(key)])).Succeeded);
        Assert.Empty((await s.RangeAsync(key, false)).Kvs);
    }

    public static async Task<(long Lease, long Revision)> PutOnLease(ICoordinationStore s, string p)
    {
        var lease = await s.LeaseGrantAsync(TimeSpan.FromSeconds(2));
        Assert.True(lease.Ttl >= TimeSpan.FromSeconds(2));
        await s.PutAsync(p + "leased", "x", lease.Id);
        await s.PutAsync(p + "plain", "y");
        Assert.True(await s.LeaseKeepAliveAsync(lease.Id));
        var r = await s.RangeAsync(p, true);
        Assert.Equal([p + "leased", p + "plain"], r.Kvs.Select(k => k.Key));
        Assert.Equal(lease.Id, r.Kvs[0].Lease);
        return (lease.Id, r.Revision);
    }

    public static async Task AfterExpiry(ICoordinationStore s, string p, long lease, List<StoreEvent> seen)
    {
        Assert.False(await s.LeaseKeepAliveAsync(lease));
        Assert.Equal([p + "plain"], (await s.RangeAsync(p, true)).Kvs.Select(k => k.Key));
        Assert.Contains(seen, e => e.IsDelete && e.Key == p + "leased");
    }
}
