using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Etcd;
using VSwarm.Tests.Cluster.Etcd;
using Xunit;

namespace VSwarm.Tests.Cluster.Coordination;

[Collection(EtcdCollection.Name)]
public sealed class EtcdStoreTests(EtcdFixture etcd)
{
    private EtcdCoordinationStore Store => new(etcd.Client);

    [Fact]
    public Task Transactions_compare_revisions_and_values() =>
        StoreContract.TransactionsCompareRevisionsAndValues(Store, "/store-contract/txn/");

    [Fact]
    public async Task A_lease_expires_and_the_watch_reports_the_delete()
    {
        const string p = "/store-contract/lease/";
        await etcd.Client.DeleteAsync(p, prefix: true);
        var (lease, rev) = await StoreContract.PutOnLease(Store, p);
        var seen = new List<StoreEvent>();
        var deleted = new TaskCompletionSource();
        using var watch = Store.Watch(p, rev + 1, e =>
        {
            lock (seen)
            {
                seen.Add(e);
            }

            if (e.IsDelete)
            {
                deleted.TrySetResult();
            }
        });
        await deleted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        List<StoreEvent> copy;
        lock (seen)
        {
            copy = [.. seen];
        }

        await StoreContract.AfterExpiry(Store, p, lease, copy);
    }

    [Fact]
    public async Task An_unreachable_etcd_is_StoreUnavailable()
    {
        using var client = new EtcdClient(new EtcdOptions { Endpoint = new Uri("http://127.0.0.1:1/"), RequestTimeout = TimeSpan.FromSeconds(1) });
        var store = new EtcdCoordinationStore(client);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.RangeAsync("/x", true));
    }
}
