using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Placement;
using VSwarm.Tests.Cluster.Harness;
using Xunit;

namespace VSwarm.Tests.Cluster.Placement;

/// <summary>
/// Random joins, leaves, crashes, partitions and heals on virtual time: at no instant is a bridge
/// active on two nodes, fencing tokens only grow, and once the faults stop every bridge runs on
/// its rendezvous choice among the live nodes.
/// </summary>
public sealed class PlacementPropertyTests
{
    private static readonly string[] Nodes = ["n1", "n2", "n3", "n4"];
    private static readonly string[] Bridges = ["a", "b", "c", "d", "e", "f"];

    public enum Kind
    {
        Start,
        Crash,
        Leave,
        Partition,
        Heal,
        Wait,
    }

    public sealed record Step(Kind Kind, int Node, int Ms);

    [Fact]
    public void No_bridge_is_ever_active_twice_and_placement_converges()
    {
        var step = from k in Gen.Elements(Kind.Start, Kind.Start, Kind.Crash, Kind.Leave, Kind.Partition, Kind.Heal, Kind.Wait, Kind.Wait)
                   from n in Gen.Choose(0, Nodes.Length - 1)
                   from ms in Gen.Choose(10, 4000)
                   select new Step(k, n, ms);
        Prop.ForAll(Gen.ListOf(step).Select(s => s.Take(25).ToArray()).ToArbitrary(), Run)
            .Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(60));
    }

    private static bool Run(Step[] steps)
    {
        using var c = new SimCluster();
        foreach (var b in Bridges)
        {
            c.AddBridge(b);
        }

        c.Start("n1");
        foreach (var s in steps)
        {
            var node = Nodes[s.Node];
            switch (s.Kind)
            {
                case Kind.Start when !c.Nodes.ContainsKey(node):
                    c.Start(node);
                    break;
                case Kind.Crash:
                    c.Crash(node);
                    break;
                case Kind.Leave:
                    c.Leave(node);
                    break;
                case Kind.Partition:
                    c.Store.Partition(node);
                    break;
                case Kind.Heal:
                    c.Store.Heal(node);
                    break;
            }

            c.Advance(TimeSpan.FromMilliseconds(s.Ms));
            if (c.Ledger.Violations.Count > 0)
            {
                throw new InvalidOperationException(string.Join("\n", c.Ledger.Violations) + "\n" + string.Join("\n", c.Ledger.History));
            }
        }

        foreach (var n in Nodes)
        {
            c.Store.Heal(n);
        }

        c.Advance(TimeSpan.FromSeconds(10));
        var live = c.Nodes.Keys.ToList();
        foreach (var b in Bridges)
        {
            var want = Rendezvous.Owner(b, live);
            var got = c.Ledger.Active.TryGetValue(b, out var a) ? a.Node : null;
            if (want != got)
            {
                throw new InvalidOperationException($"{b}: want {want}, active on {got ?? "none"}; live {string.Join(",", live)}\n" + string.Join("\n", c.Ledger.History));
            }
        }

        return c.Ledger.Violations.Count == 0;
    }
}
