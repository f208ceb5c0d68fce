using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Messages.Flow;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// The background rebuild, made deterministic: the test holds each build until it chooses to run
/// it, and changes rules (inserts, removals, versioned removals and inserts) between the
/// snapshot and the swap. After every step the tree must answer exactly like the linear
/// reference, in each version.
/// </summary>
public class DecisionTreeRebuildTests
{
    private sealed class HeldBuilds
    {
        private readonly Queue<Action> _pending = new();

        public int Count => _pending.Count;

        public Task Hold(Action build)
        {
            var done = new TaskCompletionSource();
            _pending.Enqueue(() =>
            {
                build();
                done.SetResult();
            });
            return done.Task;
        }

        public void RunNext() => _pending.Dequeue()();
    }

    private static void AssertAgrees(DecisionTreeClassifier<int> dt, LinearClassifier<int> reference, FlowKey[] packets)
    {
        foreach (var v in new ulong[] { 0, 1 })
        {
            foreach (var p in packets)
            {
                var expected = reference.Lookup(p, v);
                var wc = OfText.InitialWildcards(p);
                Assert.Same(expected, dt.Lookup(p, v));
                Assert.Same(expected, dt.Lookup(p, v, ref wc));
            }
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Changes_during_a_background_build_survive_the_swap(int seed)
    {
        var rng = new Random(seed);
        var pool = RuleGen.Rules(new Scenario(seed, 40, DistinctPriorities: true), rng);
        var packets = Enumerable.Range(0, 400).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();
        var held = new HeldBuilds();
        var dt = new DecisionTreeClassifier<int>(leafSize: 2, sideTableLimit: 4) { RebuildRunner = held.Hold };
        var reference = new LinearClassifier<int>();
        void Insert(ClassifierRule<int> r)
        {
            dt.Insert(r);
            reference.Insert(r);
        }

        // The fifth insert passes the limit: one build is held, with a snapshot of five rules;
        // later inserts do not start another while it is pending.
        foreach (var r in pool.Take(10))
        {
            Insert(r);
        }

        Assert.Equal(1, held.Count);
        Assert.Equal(10, dt.SideTableCount);
        Assert.Equal(0, dt.TreeStats.Nodes + dt.TreeStats.Leaves);
        var snapshot = pool.Take(5).ToList();

        // During the build: remove two snapshot rules and one later rule, schedule the removal of
        // another snapshot rule at version 1, insert three rules visible from version 1.
        foreach (var r in new[] { snapshot[0], snapshot[3], pool[7] })
        {
            Assert.True(dt.Remove(r));
            Assert.True(reference.Remove(r));
        }

        dt.RemoveInVersion(snapshot[1], 1);
        reference.RemoveInVersion(snapshot[1], 1);
        foreach (var src in pool.Skip(10).Take(3))
        {
            Insert(new ClassifierRule<int>(src.Match, src.Priority, src.Payload, addVersion: 1));
        }

        AssertAgrees(dt, reference, packets);

        // The swap: the tree holds the five snapshot rules (two of them dead), the side table the
        // seven live rules inserted after the snapshot; the dead ones then start the next build.
        held.RunNext();
        Assert.Equal(10, dt.Count);
        Assert.Equal(7, dt.SideTableCount);
        Assert.True(dt.TreeStats.Leaves > 0);
        Assert.Equal(1, held.Count);
        AssertAgrees(dt, reference, packets);
        Assert.Null(dt.FindExactly(snapshot[0].Match, snapshot[0].Priority, 0));
        Assert.Same(snapshot[1], dt.FindExactly(snapshot[1].Match, snapshot[1].Priority, 0));

        held.RunNext();
        Assert.Equal(0, held.Count);
        Assert.Equal(0, dt.SideTableCount);
        Assert.Equal(10, dt.Rules().Count());
        AssertAgrees(dt, reference, packets);
    }

    [Fact]
    public void A_synchronous_rebuild_supersedes_a_pending_background_build()
    {
        var rng = new Random(5);
        var pool = RuleGen.Rules(new Scenario(5, 12, DistinctPriorities: true), rng);
        var packets = Enumerable.Range(0, 300).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();
        var held = new HeldBuilds();
        var dt = new DecisionTreeClassifier<int>(leafSize: 1, sideTableLimit: 2) { RebuildRunner = held.Hold };
        var reference = new LinearClassifier<int>();
        foreach (var r in pool.Take(6))
        {
            dt.Insert(r);
            reference.Insert(r);
        }

        Assert.Equal(1, held.Count);
        dt.Rebuild();
        Assert.Equal(0, dt.SideTableCount);
        Assert.True(dt.Remove(pool[0]));
        Assert.True(reference.Remove(pool[0]));
        dt.Insert(pool[6]);
        reference.Insert(pool[6]);

        // The stale build (snapshot of three rules) must not replace the newer tree.
        held.RunNext();
        Assert.Equal(1, dt.SideTableCount);
        Assert.Equal(6, dt.Count);
        AssertAgrees(dt, reference, packets);
    }

    [Fact]
    public void Background_builds_on_the_thread_pool_end_with_every_rule_in_the_tree()
    {
        var rng = new Random(21);
        var pool = RuleGen.Rules(new Scenario(21, 200, DistinctPriorities: true), rng);
        var packets = Enumerable.Range(0, 500).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();
        var dt = new DecisionTreeClassifier<int>(leafSize: 4, sideTableLimit: 8);
        var reference = new LinearClassifier<int>();
        foreach (var r in pool)
        {
            dt.Insert(r);
            reference.Insert(r);
        }

        dt.WaitForRebuild();
        Assert.True(dt.SideTableCount <= 8, $"side table {dt.SideTableCount}");
        Assert.Equal(200, dt.Count);
        AssertAgrees(dt, reference, packets);
    }

    [Fact]
    public void Bulk_load_builds_once_and_is_all_or_nothing()
    {
        var rng = new Random(31);
        var pool = RuleGen.Rules(new Scenario(31, 60, DistinctPriorities: true), rng);
        var packets = Enumerable.Range(0, 300).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();
        var held = new HeldBuilds();
        var dt = new DecisionTreeClassifier<int>(leafSize: 2, sideTableLimit: 4) { RebuildRunner = held.Hold };
        var reference = new LinearClassifier<int>();
        dt.Insert(pool[0]);
        reference.Insert(pool[0]);
        dt.InsertRange(pool.Skip(1).Take(49));
        foreach (var r in pool.Skip(1).Take(49))
        {
            reference.Insert(r);
        }

        Assert.Equal(0, held.Count);
        Assert.Equal(0, dt.SideTableCount);
        Assert.Equal(50, dt.Count);
        AssertAgrees(dt, reference, packets);

        // A batch with a rule identical to a loaded one changes nothing.
        var dup = new ClassifierRule<int>(pool[3].Match, pool[3].Priority, -1);
        Assert.Throws<InvalidOperationException>(() => dt.InsertRange([pool[55], dup]));
        Assert.Equal(50, dt.Count);
        Assert.Null(dt.FindExactly(pool[55].Match, pool[55].Priority, 0));
        AssertAgrees(dt, reference, packets);
    }
}
