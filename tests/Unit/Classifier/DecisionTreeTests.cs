using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.DecisionTree;
using System.Text.Json;
using VSwarm.Actors.Tables;
using VSwarm.Host.Commands;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using VSwarm.Tests.Unit.Oracle;
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

    private static DecisionTreeClassifier<string> WorkedExampleTree(int conflictLimit)
    {
        var dt = new DecisionTreeClassifier<string>(leafSize: 1, sideTableLimit: 0, conflictLimit: conflictLimit);
        dt.Insert(Ip("10.1.0.0/16", 30, "A"));
        dt.Insert(Ip("10.2.0.0/16", 20, "B"));
        dt.Insert(Ip("192.168.0.0/16", 10, "C"));
        dt.Rebuild();
        Assert.Equal(0, dt.SideTableCount);
        Assert.Equal(2, dt.TreeStats.Nodes);
        return dt;
    }

    [Fact]
    public void Worked_example_tree_mode_cut_bits_then_free_rule_out()
    {
        var dt = WorkedExampleTree(conflictLimit: 0);

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
    public void Worked_example_conflict_mode_needs_no_cut_bits()
    {
        var dt = WorkedExampleTree(conflictLimit: 64);

        // C overlaps neither A nor B, so its megaflow is its own match: the /16 instead of the
        // tree mode's /22 (same rule, 64 times more packets per megaflow).
        var wc = default(FlowMask);
        Assert.Equal("C", dt.Lookup(Packet("192.168.7.7"), 0, ref wc)?.Payload);
        Assert.Equal((UInt128)0xFFFF0000u, wc.Get(FlowFields.NwDst));
        Assert.True(wc.IsExact(FlowFields.DlType));

        // A miss has no winner, hence no conflict list: tree mode as above.
        wc = default;
        Assert.Null(dt.Lookup(Packet("10.3.0.1"), 0, ref wc));
        Assert.Equal((UInt128)0xFFFF0000u, wc.Get(FlowFields.NwDst));

        // E = 10.0.0.0/8 at priority 5 overlaps A and B (its conflict list). 10.9.8.7 differs from
        // A (10.1/16) first at bit 19 (second octet 9 = 00001001 vs 1 = 00000001): top 13 bits.
        // B (10.2/16) differs at bit 19 too (2 = 00000010), already in the mask: nothing more.
        dt.Insert(Ip("10.0.0.0/8", 5, "E"));
        dt.Rebuild();
        wc = default;
        Assert.Equal("E", dt.Lookup(Packet("10.9.8.7"), 0, ref wc)?.Payload);
        Assert.Equal((UInt128)0xFFF80000u, wc.Get(FlowFields.NwDst));
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

    /// <summary>The port-range rule set of ClassifierVectorTests' OVS 3.1 oracle case C.</summary>
    private static readonly string[] CaseC =
    [
        "priority=200,tcp,nw_dst=10.1.2.3,tp_dst=22,actions=output:2",
        "priority=150,tcp,nw_dst=10.1.0.0/16,tp_dst=0x0050/0xfff0,actions=output:3",
        "priority=140,tcp,nw_dst=10.0.0.0/8,tp_dst=0x1f90/0xfff8,actions=output:4",
        "priority=130,tcp,nw_dst=10.1.2.0/24,tp_dst=0x0400/0xfc00,actions=output:2",
        "priority=120,udp,nw_dst=192.168.0.0/16,tp_dst=53,actions=output:3",
        "priority=100,ip,nw_dst=10.0.0.0/8,actions=drop",
        "priority=0,actions=output:4",
    ];

    /// <summary>
    /// The OVS 3.1 vectors minus their TSS-specific masks: the tree picks the rule OVS picked, for
    /// every leaf size and with or without partitions, and its megaflow is sound (members of it,
    /// random outside the mask, get the same rule and the same mask).
    /// </summary>
    [Theory]
    [InlineData("10.1.2.3", 22, "tcp", "output:2")]
    [InlineData("10.1.2.3", 80, "tcp", "output:3")]
    [InlineData("10.1.77.7", 95, "tcp", "output:3")]
    [InlineData("10.1.2.3", 443, "tcp", "drop")]
    [InlineData("10.1.2.3", 1500, "tcp", "output:2")]
    [InlineData("10.9.9.9", 8081, "tcp", "output:4")]
    [InlineData("10.9.9.9", 8088, "tcp", "drop")]
    [InlineData("10.1.200.1", 22, "tcp", "drop")]
    [InlineData("172.16.0.1", 80, "tcp", "output:4")]
    [InlineData("11.0.0.1", 22, "tcp", "output:4")]
    [InlineData("192.168.7.7", 53, "udp", "output:3")]
    [InlineData("192.168.7.7", 54, "udp", "output:4")]
    public void Ovs_vectors_same_rule_and_sound_megaflow(string dst, int port, string proto, string actions)
    {
        var p = OfText.Packet($"in_port=1,{proto},nw_src=1.1.1.1,nw_dst={dst},nw_ttl=64,tp_src=40000,tp_dst={port}");
        var rng = new Random(port);
        foreach (var (leaf, partition) in new[] { (1, false), (2, true), (8, false) })
        {
            var dt = new DecisionTreeClassifier<string>(leafSize: leaf, sideTableLimit: 0, alwaysPartition: partition);
            foreach (var r in CaseC)
            {
                dt.Insert(OfText.Rule(r));
            }

            // The last insert may have started a background rebuild; a swap in the middle of the
            // loop below would change the (still sound) megaflow between two lookups.
            dt.WaitForRebuild();
            var wc = OfText.InitialWildcards(p);
            Assert.Equal(actions, dt.Lookup(p, 0, ref wc)?.Payload);
            for (var i = 0; i < 50; i++)
            {
                var q = RuleGen.Randomise(p, wc, rng);
                var wc2 = OfText.InitialWildcards(q);
                Assert.Equal(actions, dt.Lookup(q, 0, ref wc2)?.Payload);
                Assert.Equal(wc, wc2);
            }
        }
    }

    [Fact]
    public void Ovs_item_12_overlap_check_only_between_equal_priorities()
    {
        var dt = new DecisionTreeClassifier<string>();
        dt.Insert(OfText.Rule("priority=100,in_port=1,actions=drop"));
        Assert.True(dt.Overlaps(OfText.Parse("dl_type=0x0800", out _, out _), 100, 0));
        Assert.False(dt.Overlaps(OfText.Parse("dl_type=0x0800", out _, out _), 101, 0));
        var dt2 = new DecisionTreeClassifier<string>();
        dt2.Insert(OfText.Rule("priority=100,in_port=1,ip,actions=drop"));
        dt2.Rebuild();
        Assert.False(dt2.Overlaps(OfText.Parse("in_port=2,ip", out _, out _), 100, 0));
        Assert.True(dt2.Overlaps(OfText.Parse("ip,nw_dst=10.0.0.0/8", out _, out _), 100, 0));
    }

    [Fact]
    public void Bench_classifier_runs_the_tree_with_the_same_json_keys()
    {
        var output = new StringWriter();
        var rc = BenchClassifierCommand.Run(new FileInfo(RepoPaths.Golden("ClassBench", "tiny_rules")),
            new FileInfo(RepoPaths.Golden("ClassBench", "tiny_trace")), "none", "json", output, TextWriter.Null, "dt");
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        Assert.Equal(
            ["rules", "lookups", "lookups_per_second", "subtables_per_lookup", "megaflows", "masks", "mismatches"],
            root.EnumerateObject().Select(x => x.Name));
        Assert.Equal(11, root.GetProperty("rules").GetInt32());
        Assert.Equal(12, root.GetProperty("lookups").GetInt32());
        Assert.Equal(0, root.GetProperty("mismatches").GetInt32());
        Assert.InRange(root.GetProperty("megaflows").GetInt32(), 1, 12);
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
}
