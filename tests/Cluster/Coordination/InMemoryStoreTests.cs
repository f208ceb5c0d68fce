using VSwarm.Cluster.Coordination;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Coordination;

public sealed class InMemoryStoreTests
{
    private readonly VirtualTimeScheduler _clock = new();

    [Fact]
    public Task Transactions_compare_revisions_and_values() =>
        StoreContract.TransactionsCompareRevisionsAndValues(new InMemoryCoordinationStore(_clock).ForNode("a"), "/t/");

    [Fact]
    public async Task A_lease_expires_on_virtual_time_and_a_watch_replays_from_a_revision()
    {
        var store = new InMemoryCoordinationStore(_clock);
        var s = store.ForNode("a");
        var (lease, rev) = await StoreContract.PutOnLease(s, "/t/");
        var seen = new List<StoreEvent>();
        using var watch = s.Watch("/t/", 1, seen.Add);
        Assert.Equal(2, seen.Count); // replayed from revision 1
        _clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(2, store.Snapshot("/t/").Count);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await StoreContract.AfterExpiry(s, "/t/", lease, seen);
        Assert.True(seen[^1].Revision > rev);
    }

    [Fact]
    public async Task A_partitioned_node_cannot_call_and_its_watch_catches_up_on_heal()
    {
        var store = new InMemoryCoordinationStore(_clock);
        var seen = new List<StoreEvent>();
        using var watch = store.ForNode("b").Watch("/t/", store.Revision + 1, seen.Add);
        store.Partition("b");
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ForNode("b").PutAsync("/t/x", "1"));
        await store.ForNode("a").PutAsync("/t/y", "2");
        Assert.Empty(seen);
        store.Heal("b");
        Assert.Equal("/t/y", Assert.Single(seen).Key);
    }
}
