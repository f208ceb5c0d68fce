using Microsoft.Extensions.Logging.Abstractions;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Links;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

public sealed class OwnerDirectoryTests
{
    private static StoreEvent Put(string bridge, string node, long rev) => new(false, ClusterKeys.Owner(bridge), OwnerRecord.Of(node, 0x10).ToJson(), rev);

    private static StoreEvent Delete(string bridge, long rev) => new(true, ClusterKeys.Owner(bridge), "", rev);

    private static OwnerDirectory New()
    {
        var clock = new VirtualTimeScheduler();
        return new(new InMemoryCoordinationStore(clock).ForNode("n1"), clock, NullLogger.Instance);
    }

    [Fact]
    public void Claims_set_the_owner_and_a_delete_clears_it_but_never_lowers_the_newest_token()
    {
        using var d = New();
        d.Apply(Put("br0", "n1", 10));
        Assert.Equal(("n1", 10L), (d.OwnerOf("br0"), d.NewestToken("br0")));
        d.Apply(Delete("br0", 12));
        Assert.Null(d.OwnerOf("br0"));
        Assert.Equal(10, d.NewestToken("br0"));
        d.Apply(Put("br0", "n2", 15));
        Assert.Equal(("n2", 15L), (d.OwnerOf("br0"), d.NewestToken("br0")));
    }

    [Fact]
    public void A_late_delete_of_an_older_claim_keeps_a_newer_claim_learned_first_hand()
    {
        using var d = New();
        d.Observe("br0", "n3", 20);
        d.Apply(Delete("br0", 18));
        d.Apply(Put("br0", "n1", 7));
        Assert.Equal(("n3", 20L), (d.OwnerOf("br0"), d.NewestToken("br0")));
    }

    [Fact]
    public void Other_keys_and_unreadable_values_are_ignored()
    {
        using var d = New();
        d.Apply(new StoreEvent(false, ClusterKeys.Flows("br0"), "priority=0 actions=drop", 3));
        d.Apply(new StoreEvent(false, ClusterKeys.Owner("br0"), "{not json", 4));
        Assert.Null(d.OwnerOf("br0"));
        Assert.Equal(0, d.NewestToken("br0"));
    }

    [Fact]
    public async Task Start_reads_existing_claims_and_follows_the_watch()
    {
        var clock = new VirtualTimeScheduler();
        var store = new InMemoryCoordinationStore(clock);
        var admin = store.ForNode("admin");
        var rev = await admin.PutAsync(ClusterKeys.Owner("br0"), OwnerRecord.Of("n1", 1).ToJson());
        using var d = new OwnerDirectory(store.ForNode("n2"), clock, NullLogger.Instance);
        d.Start();
        Assert.True(SpinWait.SpinUntil(() => d.OwnerOf("br0") == "n1", TimeSpan.FromSeconds(5)));
        Assert.Equal(rev, d.NewestToken("br0"));
        var rev2 = await admin.PutAsync(ClusterKeys.Owner("br1"), OwnerRecord.Of("n3", 1).ToJson());
        Assert.True(SpinWait.SpinUntil(() => d.OwnerOf("br1") == "n3", TimeSpan.FromSeconds(5)));
        Assert.Equal(rev2, d.NewestToken("br1"));
    }
}
