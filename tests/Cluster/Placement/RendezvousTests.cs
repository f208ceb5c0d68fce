using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Placement;
using Xunit;

namespace VSwarm.Tests.Cluster.Placement;

public sealed class RendezvousTests
{
    [Fact]
    public void Removing_a_node_moves_only_its_bridges_and_adding_one_moves_only_to_it()
    {
        var gen = from nodes in Gen.Choose(2, 8)
                  from bridges in Gen.Choose(1, 50)
                  from victim in Gen.Choose(0, nodes - 1)
                  select (nodes, bridges, victim);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var nodes = Enumerable.Range(0, t.nodes).Select(i => $"node{i}").ToList();
            var victim = nodes[t.victim];
            var fewer = nodes.Where(n => n != victim).ToList();
            foreach (var b in Enumerable.Range(0, t.bridges).Select(i => $"br{i}"))
            {
                var before = Rendezvous.Owner(b, nodes);
                var after = Rendezvous.Owner(b, fewer);
                if (before != victim && after != before)
                {
                    return false;
                }

                if (after == before && before == victim)
                {
                    return false;
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }

    [Fact]
    public void Owner_is_independent_of_node_order_and_none_without_nodes()
    {
        Assert.Null(Rendezvous.Owner("br0", []));
        var a = Rendezvous.Owner("br0", ["x", "y", "z"]);
        Assert.Equal(a, Rendezvous.Owner("br0", ["z", "x", "y"]));
        Assert.NotEqual(Rendezvous.Score("br0", "x"), Rendezvous.Score("br0", "y"));
    }
}
