using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Links;
using VSwarm.Cluster.Placement;
using VSwarm.Tests.Cluster.Harness;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

public sealed class OwnerDirectoryTests
{
    private static StoreEvent Put(string bridge, string node, long rev) => new(false, ClusterKeys.Owner(bridge), OwnerRecord.Of(node, 0x10).ToJson(), rev);

    private static StoreEvent Delete(string bridge, long rev) => new(true, ClusterKeys.Owner(bridge), "", rev);

    private static OwnerDirectory New() => new();

    [Fact]
    public void Claims_set_the_owner_and_a_delete_clears_it_but_never_lowers_the_newest_token()
    {
        var d = New();
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
        var d = New();
        d.Observe("br0", "n3", 20);
        d.Apply(Delete("br0", 18));
        d.Apply(Put("br0", "n1", 7));
        Assert.Equal(("n3", 20L), (d.OwnerOf("br0"), d.NewestToken("br0")));
    }

    [Fact]
    public void Other_keys_and_unreadable_values_are_ignored()
    {
        var d = New();
        d.Apply(new StoreEvent(false, ClusterKeys.Flows("br0"), "priority=0 actions=drop", 3));
        d.Apply(new StoreEvent(false, ClusterKeys.Owner("br0"), "{not json", 4));
        Assert.Null(d.OwnerOf("br0"));
        Assert.Equal(0, d.NewestToken("br0"));
    }

    [Fact]
    public async Task Placement_feeds_it_the_existing_claims_and_then_the_watched_ones()
    {
        using var sim = new SimCluster();
        var admin = sim.Store.ForNode("admin");
        var rev = await admin.PutAsync(ClusterKeys.Owner("br0"), OwnerRecord.Of("n1", 1).ToJson());
        var d = new OwnerDirectory();
        using var n2 = new SimCluster.SimNode(sim, "n2");
        n2.Placement.OwnerKeyChanged += d.Apply;
        n2.Start();
        sim.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(SpinWait.SpinUntil(() => d.OwnerOf("br0") == "n1", TimeSpan.FromSeconds(5)));
        Assert.Equal(rev, d.NewestToken("br0"));
        var rev2 = await admin.PutAsync(ClusterKeys.Owner("br1"), OwnerRecord.Of("n3", 1).ToJson());
        Assert.True(SpinWait.SpinUntil(() => d.OwnerOf("br1") == "n3", TimeSpan.FromSeconds(5)));
        Assert.Equal(rev2, d.NewestToken("br1"));
    }
}
