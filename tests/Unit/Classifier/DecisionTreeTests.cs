using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// Decision-tree specifics: the worked wildcard example of docs/classifiers.md, tie order,
/// replace/remove through the side table and dead entries, and lookups that run while the writer
/// inserts, removes and rebuilds (the shared properties are in ClassifierPropertyTests).
/// </summary>
public class DecisionTreeTests
{
    private static ClassifierRule<string> Ip(string nwDst, int priority, string name) =>
        OfText.Rule($"priority={priority},ip,nw_dst={nwDst},actions=drop") is var r
            ? new ClassifierRule<string>(r.Match, r.Priority, name)
            : throw new InvalidOperationException();

    private static FlowKey Packet(string nwDst) => OfText.Packet($"ip,nw_dst={nwDst}");

    [Fact]
    public void Worked_example_cut_bits_then_free_rule_out()
    {
        var dt = new DecisionTreeClassifier<string>(leafSize: 1, sideTableLimit: 0);
        dt.Insert(Ip("10.1.0.0/16", 30, "A"));
        dt.Insert(Ip("10.2.0.0/16", 20, "B"));
        dt.Insert(Ip("192.168.0.0/16", 10, "C"));
        dt.Rebuild();
        Assert.Equal(0, dt.SideTableCount);
        Assert.Equal(2, dt.TreeStats.Nodes);

        // Root cut nw_dst < 10.2.0.0: 10.3.0.1 first differs from it at bit 16 → top 16 bits.
        // Right child cut nw_dst < 192.168.0.0 (aligned, preferred over 10.3.0.0): differs at
        // the top bit. Leaf [10.2.0.0, 192.167.255.255] holds B, ruled out for free by bit 16.
        var wc = default(FlowMask);
        Assert.Null(dt.Lookup(Packet("10.3.0.1"), 0, ref wc));
        Assert.Equal((UInt128)0xFFFF0000u, wc.Get(FlowFields.NwDst));
        Assert.True(wc.IsWildcarded(FlowFields.DlType));

        // 10.1.2.3 goes left (first differs from 10.2.0.0 at bit 17 → top 15 bits), leaf A
        // matches: A's mask (/16 and dl_type) is added.
        wc = default;
        Assert.Equal("A", dt.Lookup(Packet("10.1.2.3"), 0, ref wc)?.Payload);
        Assert.Equal((UInt128)0xFFFF0000u, wc.Get(FlowFields.NwDst));
        Assert.True(wc.IsExact(FlowFields.DlType));

        // 192.168.7.7: root cut differs at the top bit; the right cut equals the threshold's
        // top 16 bits and then differs at bit 10 → top 22 bits; leaf C matches (/16).
        wc = default;
        Assert.Equal("C", dt.Lookup(Packet("192.168.7.7"), 0, ref wc)?.Payload);
        Assert.Equal((UInt128)0xFFFFFC00u, wc.Get(FlowFields.NwDst));
    }

    [Fact]
    public void Equal_priorities_go_to_the_earlier_insertion_in_tree_and_side_table()
    {
        var dt = new DecisionTreeClassifier<string>(leafSize: 1, sideTableLimit: 100);
        var a = Ip("10.0.0.0/8", 5, "a");
        var b = Ip("10.1.0.0/16", 5, "b");
        dt.Insert(a);
        dt.Insert(b);
        Assert.Same(a, dt.Lookup(Packet("10.1.1.1"), 0));
        dt.Rebuild();
        Assert.Same(a, dt.Lookup(Packet("10.1.1.1"), 0));
        Assert.True(dt.Remove(a));
        Assert.Same(b, dt.Lookup(Packet("10.1.1.1"), 0));
        dt.Insert(a);
        Assert.Same(b, dt.Lookup(Packet("10.1.1.1"), 0));
    }

    [Fact]
    public void Replace_remove_find_and_overlap_across_tree_and_side_table()
    {
        var dt = new DecisionTreeClassifier<string>(leafSize: 1, sideTableLimit: 2);
        var rules = Enumerable.Range(0, 20).Select(i => Ip($"10.{i}.0.0/16", 100 - i, $"r{i}")).ToList();
        foreach (var r in rules)
        {
            dt.Insert(r);
        }

        Assert.Equal(20, dt.Count);
        Assert.Throws<InvalidOperationException>(() => dt.Insert(Ip("10.3.0.0/16", 97, "dup")));
        var repl = Ip("10.3.0.0/16", 97, "new3");
        Assert.Same(rules[3], dt.Replace(repl));
        Assert.Same(repl, dt.Lookup(Packet("10.3.9.9"), 0));
        Assert.Same(repl, dt.FindExactly(repl.Match, 97, 0));
        Assert.True(dt.Overlaps(OfText.Parse("ip,nw_dst=10.3.4.0/24", out _, out _), 97, 0));
        Assert.False(dt.Overlaps(OfText.Parse("ip,nw_dst=10.3.4.0/24", out _, out _), 96, 0));
        Assert.False(dt.Remove(rules[3]));
        for (var i = 0; i < 20; i += 2)
        {
            Assert.True(dt.Remove(i == 2 ? rules[2] : rules[i]));
        }

        Assert.Equal(10, dt.Count);
        Assert.Equal(10, dt.Rules().Count());
        Assert.Null(dt.Lookup(Packet("10.4.0.1"), 0));
        Assert.Same(repl, dt.Lookup(Packet("10.3.0.1"), 0));
        Assert.Equal("r5", dt.Lookup(Packet("10.5.0.1"), 0)?.Payload);
    }

    [Fact]
    public void OpenFlow_tables_can_use_decision_trees_for_flow_mods_and_lookups()
    {
        var tables = new OpenFlowTables(classifierFactory: () => new DecisionTreeClassifier<FlowEntry>(leafSize: 2, sideTableLimit: 2));
        var proc = new FlowModProcessor(tables);
        var batch = new[]
        {
            FlowMod.Add(OfctlFlowParser.ParseFlow("priority=100,ip,nw_dst=10.0.0.0/8,actions=output:1")),
            FlowMod.Add(OfctlFlowParser.ParseFlow("priority=90,ip,nw_dst=10.1.0.0/16,actions=output:2")),
            FlowMod.Add(OfctlFlowParser.ParseFlow("priority=80,tcp,tp_dst=80,actions=output:3")),
            FlowMod.Add(OfctlFlowParser.ParseFlow("priority=0,actions=drop")),
        };
        Assert.True(proc.Apply(batch, 0).IsSuccess);
        Assert.IsType<DecisionTreeClassifier<FlowEntry>>(tables.Table(0));
        string? Actions(string packet)
        {
            var wc = default(FlowMask);
            var e = tables.Lookup(0, OfText.Packet(packet), tables.Version, ref wc);
            return e is null ? null : OfctlFlowFormatter.FormatActions(e.Rule.Actions);
        }

        Assert.Equal("output:1", Actions("ip,nw_dst=10.1.2.3"));
        Assert.Equal("output:3", Actions("tcp,nw_dst=11.0.0.1,tp_dst=80"));
        Assert.Equal("drop", Actions("arp"));
        Assert.False(proc.Apply([FlowMod.Add(OfctlFlowParser.ParseFlow("priority=90,ip,nw_dst=10.1.2.0/24,actions=drop"), checkOverlap: true)], 0).IsSuccess);
        Assert.Equal(4, tables.Entries(version: tables.Version).Count());
    }

    /// <summary>
    /// Readers look up (with wildcards) while one writer inserts rules at the next version,
    /// schedules removals, publishes the version and later removes rules physically; the small
    /// side table forces many rebuilds. A reader must always get the reference's answer for its
    /// version.
    /// </summary>
    [Fact]
    public async Task Lookups_during_inserts_removes_and_rebuilds_see_whole_versions()
    {
        var rng = new Random(977);
        var pool = RuleGen.Rules(new Scenario(977, 300, DistinctPriorities: true), rng);
        var dt = new DecisionTreeClassifier<int>(leafSize: 4, sideTableLimit: 6);
        var reference = new LinearClassifier<int>();
        long published = 0;
        const int Readers = 2;
        var slots = new long[Readers];
        Array.Fill(slots, long.MaxValue);
        var stop = 0;
        var failures = new List<string>();
        var lookups = 0L;
        var packets = Enumerable.Range(0, 2000).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();
        var readers = Enumerable.Range(0, Readers).Select(id => Task.Run(() =>
        {
            var r = new Random(id);
            var n = 0L;
            while (Volatile.Read(ref stop) == 0)
            {
                ulong v;
                do
                {
                    v = (ulong)Volatile.Read(ref published);
                    Interlocked.Exchange(ref slots[id], (long)v);
                }
                while ((ulong)Interlocked.Read(ref published) != v);

                for (var k = 0; k < 20; k++)
                {
                    var p = packets[r.Next(packets.Length)];
                    var wc = OfText.InitialWildcards(p);
                    var got = dt.Lookup(p, v, ref wc);
                    var expected = reference.Lookup(p, v);
                    if (!ReferenceEquals(got, expected) || !ReferenceEquals(dt.Lookup(p, v), expected))
                    {
                        lock (failures)
                        {
                            failures.Add($"v{v}: expected {expected?.Payload} got {got?.Payload}");
                        }
                    }

                    n++;
                }

                Interlocked.Exchange(ref slots[id], long.MaxValue);
            }

            Interlocked.Add(ref lookups, n);
        })).ToArray();

        var live = new List<ClassifierRule<int>>();
        var dying = new List<ClassifierRule<int>>();
        var priority = 1_000_000;
        var batches = 0;
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < deadline || batches < 50)
        {
            var v = (ulong)published + 1;
            for (var i = rng.Next(1, 12); i > 0; i--)
            {
                var src = pool[rng.Next(pool.Count)];
                var rule = new ClassifierRule<int>(src.Match, priority, priority, v);
                priority--;
                dt.Insert(rule);
                reference.Insert(rule);
                live.Add(rule);
            }

            for (var i = rng.Next(0, 10); i > 0 && live.Count > 40; i--)
            {
                var rule = live[rng.Next(live.Count)];
                live.Remove(rule);
                dt.RemoveInVersion(rule, v);
                dying.Add(rule);
            }

            Interlocked.Exchange(ref published, (long)v);
            batches++;
            var min = Interlocked.Read(ref published);
            for (var i = 0; i < Readers; i++)
            {
                min = Math.Min(min, Interlocked.Read(ref slots[i]));
            }

            foreach (var rule in dying.Where(r => r.RemoveVersion <= (ulong)min).ToList())
            {
                Assert.True(dt.Remove(rule));
                Assert.True(reference.Remove(rule));
                dying.Remove(rule);
            }

            await Task.Yield();
        }

        Volatile.Write(ref stop, 1);
        await Task.WhenAll(readers);
        Assert.Empty(failures);
        Assert.True(Interlocked.Read(ref lookups) > 1000, $"only {lookups} lookups ran");
        Assert.Equal(live.Count + dying.Count, dt.Count);
    }
}
