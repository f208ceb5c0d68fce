using VSwarm.Actors.Classifier;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// Hand vectors of ovs-brief §8.3/§9 and real OVS 3.1 output recorded with the project's oracle
/// (shared/oracle cases a and c): the accumulated mask must equal the megaflow field by field.
/// </summary>
public class ClassifierVectorTests
{
    /// <summary>Rule set R of ovs-brief §8.3.</summary>
    private static readonly string[] RuleSetR =
    [
        "priority=16,in_port=1,tcp,nw_dst=10.1.0.0/16,actions=output:3",
        "priority=32,in_port=1,tcp,nw_dst=10.1.2.15,actions=output:2",
        "priority=33,in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=80,actions=drop",
        "priority=0,in_port=1,ip,actions=drop",
        "priority=16,in_port=2,tcp,nw_dst=192.168.0.0/16,actions=output:1",
        "priority=0,in_port=2,ip,actions=drop",
        "priority=16,in_port=3,tcp,nw_src=10.1.0.0/16,actions=output:1",
        "priority=0,in_port=3,ip,actions=drop",
    ];

    /// <summary>The two-port-tries rule set of ovs-brief §9 item 7 (and 8).</summary>
    private static readonly string[] RuleSetPorts =
    [
        "priority=16,in_port=1,tcp,nw_dst=10.1.0.0/16,actions=output:3",
        "priority=32,in_port=1,tcp,nw_dst=10.1.2.0/24,tp_src=79,actions=output:2",
        "priority=33,in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=80,actions=drop",
        "priority=33,in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=8080,actions=output:2",
        "priority=33,in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=192,actions=output:2",
        "priority=0,in_port=1,ip,actions=drop",
    ];

    private static string PacketR(int inPort, string dst, int tpDst) =>
        $"in_port={inPort},tcp,dl_src=50:54:00:00:00:05,dl_dst=50:54:00:00:00:07,nw_src=192.168.0.1,nw_dst={dst},nw_tos=0,nw_ttl=128,tp_src=8,tp_dst={tpDst}";

    private static TupleSpaceClassifier<string> Build(IEnumerable<string> rules, IReadOnlyList<FlowField>? prefixes = null, TrieSkipMode trieSkip = TrieSkipMode.Ovs31)
    {
        var cls = new TupleSpaceClassifier<string>(prefixes, trieSkip);
        foreach (var r in rules)
        {
            cls.Insert(OfText.Rule(r));
        }

        return cls;
    }

    /// <summary>
    /// Looks a packet up as translation does (initial and finishing wildcards around the lookup)
    /// and compares with an OVS "Megaflow:" line and datapath actions.
    /// </summary>
    private static void AssertMegaflow(IClassifier<string> cls, string packet, string megaflow, string actions)
    {
        var p = OfText.Packet(packet);
        var wc = OfText.InitialWildcards(p);
        var rule = cls.Lookup(p, 0, ref wc);
        MegaflowWildcards.Finish(ref wc, p);
        var got = rule?.Payload.Replace("output:", "", StringComparison.Ordinal) ?? "drop";
        Assert.Equal(actions, got);
        Assert.Equal(megaflow, MegaflowFormatter.Format(new Match(p, wc)));
    }

    private static FlowMask MaskOf(string text) => OfText.Parse(text, out _, out _).Mask;

    /// <summary>A struct-flow match over whole fields, for masks no OpenFlow text can write (no prerequisites).</summary>
    private static Match Raw(params (FlowField Field, UInt128 Value)[] fields)
    {
        var k = default(FlowKey);
        var m = default(FlowMask);
        foreach (var (f, v) in fields)
        {
            k.Set(f, v);
            m.Unwildcard(f);
        }

        return new Match(k, m);
    }

    [Fact]
    public void Stage_layout_and_ports_mask_len_follow_ovs_item_1()
    {
        var cls = new TupleSpaceClassifier<string>();
        var nwDst16 = Raw((FlowFields.NwDst, 0x0A010000));
        var m16 = nwDst16.Mask;
        m16.Set(FlowFields.NwDst, FlowFields.NwDst.PrefixMask(16));
        nwDst16 = new Match(nwDst16.Key, m16);
        Match[] masks =
        [
            MaskMatch("in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=80"),
            MaskMatch("in_port=1,ip"),
            Raw((FlowFields.InPort, 1), (FlowFields.TpDst, 80)),
            nwDst16,
            Raw((FlowFields.TpSrc, 80)),
            MaskMatch("icmp,icmp_type=8,icmp_code=0"),
            MaskMatch("in_port=1"),
            Match.CatchAll,
        ];
        foreach (var m in masks)
        {
            cls.Insert(new ClassifierRule<string>(m, 1, "drop"));
        }

        Subtable<string> Sub(Match m) => cls.SubtableFor(m.Mask)!;
        (int, int) Layout(Match m) => (Sub(m).NIndices, Sub(m).StageSegment[Sub(m).NIndices]);

        Assert.Equal((3, 3), Layout(masks[0]));     // final = L4
        Assert.Equal((1, 1), Layout(masks[1]));     // final = L2
        Assert.Equal((1, 3), Layout(masks[2]));     // metadata index, final = L4
        Assert.Equal((0, 2), Layout(masks[3]));     // final = L3
        Assert.Equal(0, Sub(Match.CatchAll).NIndices);          // catch-all: no index, empty final
        Assert.Empty(Sub(Match.CatchAll).Words);
        Assert.Equal(32, Sub(masks[2]).PortsMaskLen);  // tp_dst exact
        Assert.Equal(16, Sub(masks[4]).PortsMaskLen);  // tp_src exact
        Assert.Equal(32, Sub(masks[5]).PortsMaskLen);  // ICMP type 0xff in tp_src, code 0xff in tp_dst
        Assert.Equal(0, Sub(masks[6]).PortsMaskLen);   // none
        Assert.Equal(32, Sub(masks[0]).TrieView.Plens[0]); // nw_dst trie
        Assert.Equal(0, Sub(masks[0]).TrieView.Plens[1]);  // nw_src not matched
        Assert.Equal(16, Sub(masks[3]).TrieView.Plens[0]);
    }

    [Fact]
    public void Non_cidr_masks_have_trie_plen_zero()
    {
        var cls = new TupleSpaceClassifier<string>();
        cls.Insert(OfText.Rule("priority=1,ip,nw_dst=10.0.0.1/255.0.255.255"));
        Assert.Equal(0, cls.SubtableFor(MaskOf("ip,nw_dst=10.0.0.1/255.0.255.255"))!.TrieView.Plens[0]);
    }

    [Fact]
    public void Example_1_stage_a_misses_fold_only_in_port()
    {
        AssertMegaflow(Build(RuleSetR), PacketR(2, "192.168.0.2", 80),
            "recirc_id=0,eth,tcp,in_port=2,nw_dst=192.168.0.0/16,nw_frag=no", "1");
    }

    [Fact]
    public void Example_2_trie_skips_at_l3_so_nw_proto_stays_wildcarded()
    {
        AssertMegaflow(Build(RuleSetR), PacketR(1, "11.1.2.15", 80),
            "recirc_id=0,eth,ip,in_port=1,nw_dst=11.0.0.0/8,nw_frag=no", "drop");
    }

    [Fact]
    public void Example_3_exact_match_folds_whole_mask()
    {
        AssertMegaflow(Build(RuleSetR), PacketR(1, "10.1.2.15", 80),
            "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_dst=80", "drop");
    }

    [Fact]
    public void Example_4_ports_trie_narrows_tp_dst()
    {
        AssertMegaflow(Build(RuleSetR), PacketR(1, "10.1.2.15", 79),
            "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_dst=0x40/0xfff0", "2");
    }

    [Fact]
    public void Item_6_trie_maskbits_and_match_plens()
    {
        var cls = Build(RuleSetR);
        var nwDst = cls.Tries[0];
        Assert.Equal(FlowFields.NwDst, nwDst.Field);
        string Look(string ip)
        {
            UInt128 plens = 0;
            var bits = nwDst.Trie.Lookup((UInt128)OfText.Ipv4Value(ip) << 96, ref plens);
            var lens = Enumerable.Range(1, 32).Where(l => ((plens >> (l - 1)) & 1) != 0);
            return $"{bits} {{{string.Join(",", lens)}}}";
        }

        Assert.Equal("8 {}", Look("11.1.2.15"));
        Assert.Equal("15 {}", Look("10.2.0.1"));
        Assert.Equal("16 {16}", Look("192.168.0.2"));
        Assert.Equal("32 {16,32}", Look("10.1.2.15"));
        Assert.Equal("24 {16}", Look("10.1.3.1"));

        AssertMegaflow(cls, PacketR(1, "10.1.3.1", 80),
            "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.3.0/24,nw_frag=no", "3");
    }

    [Fact]
    public void Item_7_two_ports_tries_in_one_lookup()
    {
        AssertMegaflow(Build(RuleSetPorts), PacketR(1, "10.1.2.15", 79),
            "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_src=0x0/0xffc0,tp_dst=0x40/0xfff0", "3");
    }

    [Fact]
    public void Item_8_without_tries_stage_c_misses_fold_the_exact_destination()
    {
        AssertMegaflow(Build(RuleSetPorts, PrefixFields.None), PacketR(1, "10.1.3.16", 79),
            "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.3.16,nw_frag=no", "3");
        Assert.Equal(PrefixFields.None, PrefixFields.Parse("none"));
    }

    [Fact]
    public void Item_9_final_stage_folding_with_tcp_flags()
    {
        var cls = Build(
        [
            "priority=33,in_port=1,tcp,tp_dst=80,tcp_flags=+psh,actions=output:2",
            "priority=0,in_port=1,ip,actions=drop",
        ]);
        const string P = "in_port=1,tcp,nw_src=192.168.0.1,nw_dst=192.168.0.2,nw_ttl=128,tp_src=8";
        AssertMegaflow(cls, P + ",tp_dst=80,tcp_flags=0x002", "recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=80,tcp_flags=-psh", "drop");
        AssertMegaflow(cls, P + ",tp_dst=80,tcp_flags=0x018", "recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=80,tcp_flags=+psh", "2");
        AssertMegaflow(cls, P + ",tp_dst=79,tcp_flags=0x002", "recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=0x40/0xfff0,tcp_flags=-psh", "drop");
        AssertMegaflow(cls, P + ",tp_dst=81,tcp_flags=0x002", "recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=81,tcp_flags=-psh", "drop");
    }

    [Fact]
    public void Item_10_icmpv6_through_the_ports_trie()
    {
        var cls = Build(
        [
            "priority=16,in_port=2,icmp6,nw_ttl=255,icmp_type=135,icmp_code=0,nd_target=1000::1,actions=output:1",
            "priority=0,in_port=2,ip,actions=drop",
        ]);
        AssertMegaflow(cls, "in_port=2,icmp6,ipv6_src=fe80::1,ipv6_dst=fe80::2,nw_ttl=255,icmp_type=128,icmp_code=0",
            "recirc_id=0,eth,icmp6,in_port=2,nw_ttl=255,nw_frag=no,icmp_type=0x80/0xfc,nd_target=::", "drop");
        AssertMegaflow(cls, "in_port=2,icmp6,ipv6_src=fe80::1,ipv6_dst=ff02::1:ff00:1,nw_ttl=255,icmp_type=135,icmp_code=0,nd_target=1000::1",
            "recirc_id=0,eth,icmp6,in_port=2,nw_ttl=255,nw_frag=no,icmp_type=0x87/0xff,icmp_code=0x0/0xff,nd_target=1000::1", "1");
    }

    [Fact]
    public void Item_12_overlap_check_only_between_equal_priorities()
    {
        var cls = Build(["priority=100,in_port=1,actions=drop"]);
        Assert.True(cls.Overlaps(MaskMatch("dl_type=0x0800"), 100, 0));
        Assert.False(cls.Overlaps(MaskMatch("dl_type=0x0800"), 101, 0));
        var cls2 = Build(["priority=100,in_port=1,ip,actions=drop"]);
        Assert.False(cls2.Overlaps(MaskMatch("in_port=2,ip"), 100, 0));
        Assert.True(cls2.Overlaps(MaskMatch("ip,nw_dst=10.0.0.0/8"), 100, 0));

        var lin = new LinearClassifier<string>();
        lin.Insert(OfText.Rule("priority=100,in_port=1,actions=drop"));
        Assert.True(lin.Overlaps(MaskMatch("dl_type=0x0800"), 100, 0));
        Assert.False(lin.Overlaps(MaskMatch("dl_type=0x0800"), 101, 0));
    }

    private static readonly string[] TrieOverlapRules =
    [
        "priority=100,ip,nw_src=10.0.0.0,nw_dst=192.168.0.0/31,actions=output:2",
        "priority=50,ip,nw_src=10.0.0.0/7,actions=output:3",
    ];

    [Fact]
    public void Ovs31_trie_skip_gives_the_overlapping_megaflows_the_real_ovs_gives()
    {
        // One subtable with both trie fields: nw_dst (checked first) says "a /31 may match",
        // then nw_src proves no /32 matches and skips, adding only nw_src/16; a packet that
        // differs in nw_dst is skipped by the nw_dst trie with nw_dst/2 instead. The two
        // megaflows overlap. These are the real OVS 3.1's answers (tests/Golden/Classifier/trie-overlap.expected).
        var cls = Build(TrieOverlapRules);
        var p = "in_port=1,ip,nw_src=10.1.3.1,nw_dst=192.168.0.0";
        var q = "in_port=1,ip,nw_src=10.1.3.1,nw_dst=164.24.210.156";
        AssertMegaflow(cls, p, "recirc_id=0,eth,ip,in_port=1,nw_src=10.1.0.0/16,nw_frag=no", "3");
        AssertMegaflow(cls, q, "recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/7,nw_dst=128.0.0.0/2,nw_frag=no", "3");
        Assert.True(Megaflow(cls, p).Overlaps(Megaflow(cls, q)));
    }

    [Fact]
    public void Sound_trie_skip_adds_the_prefix_bits_of_a_trie_that_declined_before_another_skips()
    {
        var cls = Build(TrieOverlapRules, trieSkip: TrieSkipMode.Sound);
        var p = "in_port=1,ip,nw_src=10.1.3.1,nw_dst=192.168.0.0";
        var q = "in_port=1,ip,nw_src=10.1.3.1,nw_dst=164.24.210.156";
        AssertMegaflow(cls, p, "recirc_id=0,eth,ip,in_port=1,nw_src=10.1.0.0/16,nw_dst=192.168.0.0/31,nw_frag=no", "3");
        AssertMegaflow(cls, q, "recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/7,nw_dst=128.0.0.0/2,nw_frag=no", "3");
        Assert.False(Megaflow(cls, p).Overlaps(Megaflow(cls, q)));
    }

    private static Match Megaflow(TupleSpaceClassifier<string> cls, string packet)
    {
        var p = OfText.Packet(packet);
        var wc = OfText.InitialWildcards(p);
        cls.Lookup(p, 0, ref wc);
        return new Match(p, wc);
    }

    private static Match MaskMatch(string text) => OfText.Parse(text, out _, out _);

    // ---- Real OVS 3.1 output (shared/oracle cases a, a.seq and c; trace mode). ----

    private static readonly string[] CaseA =
    [
        "priority=100,ip,nw_src=192.168.0.0/16,actions=output:2",
        "priority=90,ip,nw_src=10.0.0.0/8,actions=drop",
        "priority=80,ip,actions=output:3",
    ];

    [Theory]
    [InlineData("in_port=1,tcp,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=192.168.1.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=192.168.0.0/16,nw_frag=no", "2")]
    [InlineData("in_port=1,tcp,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=10.0.0.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/8,nw_frag=no", "drop")]
    [InlineData("in_port=1,tcp,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=8.8.8.8,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=8.0.0.0/7,nw_frag=no", "3")]
    [InlineData("in_port=1,tcp,nw_src=192.168.200.5,nw_dst=5.6.7.8,nw_ttl=64,tp_src=999,tp_dst=443", "recirc_id=0,eth,ip,in_port=1,nw_src=192.168.0.0/16,nw_frag=no", "2")]
    [InlineData("in_port=1,udp,nw_src=10.200.0.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=53", "recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/8,nw_frag=no", "drop")]
    [InlineData("in_port=1,tcp,nw_src=9.9.9.9,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=8.0.0.0/7,nw_frag=no", "3")]
    [InlineData("in_port=1,tcp,nw_src=1.1.1.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=0.0.0.0/5,nw_frag=no", "3")]
    [InlineData("in_port=1,tcp,nw_src=172.16.0.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=128.0.0.0/2,nw_frag=no", "3")]
    [InlineData("in_port=1,tcp,nw_src=192.169.0.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=1,nw_src=192.169.0.0/16,nw_frag=no", "3")]
    [InlineData("in_port=2,tcp,nw_src=192.168.1.1,nw_dst=1.2.3.4,nw_ttl=64,tp_src=1234,tp_dst=80", "recirc_id=0,eth,ip,in_port=2,nw_src=192.168.0.0/16,nw_frag=no", "2")]
    [InlineData("in_port=1,arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2", "recirc_id=0,eth,arp,in_port=1", "drop")]
    public void Oracle_case_a_nw_src_prefixes(string packet, string megaflow, string actions)
    {
        // The oracle's in_port=2 packet prints "drop" only because output:2 is the ingress port.
        AssertMegaflow(Build(CaseA), packet, megaflow, actions);
    }

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

    [Theory]
    [InlineData("10.1.2.3", 22, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=22", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=22", "2")]
    [InlineData("10.1.2.3", 80, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x50/0xfff0", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x50/0xfff0", "3")]
    [InlineData("10.1.77.7", 95, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.64.0/18,nw_frag=no,tp_dst=0x50/0xfff0", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.77.7,nw_frag=no,tp_dst=0x50/0xfff0", "3")]
    [InlineData("10.1.2.3", 443, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x100/0xff00", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x100/0xff00", "drop")]
    [InlineData("10.1.2.3", 1500, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x400/0xfc00", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x400/0xfc00", "2")]
    [InlineData("10.9.9.9", 8081, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.8.0.0/13,nw_frag=no,tp_dst=0x1f90/0xfff8", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.9.9.9,nw_frag=no,tp_dst=0x1f90/0xfff8", "4")]
    [InlineData("10.9.9.9", 8088, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.8.0.0/13,nw_frag=no,tp_dst=0x1f98/0xfff8", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.9.9.9,nw_frag=no,tp_dst=0x1f98/0xfff8", "drop")]
    [InlineData("10.1.200.1", 22, "tcp", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.128.0/17,nw_frag=no,tp_dst=0x0/0xffc0", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.200.1,nw_frag=no,tp_dst=0x0/0xffc0", "drop")]
    [InlineData("172.16.0.1", 80, "tcp", "recirc_id=0,eth,ip,in_port=1,nw_dst=128.0.0.0/2,nw_frag=no", "recirc_id=0,eth,tcp,in_port=1,nw_dst=172.16.0.1,nw_frag=no", "4")]
    [InlineData("11.0.0.1", 22, "tcp", "recirc_id=0,eth,ip,in_port=1,nw_dst=11.0.0.0/8,nw_frag=no", "recirc_id=0,eth,tcp,in_port=1,nw_dst=11.0.0.1,nw_frag=no", "4")]
    [InlineData("192.168.7.7", 53, "udp", "recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.0.0/16,nw_frag=no,tp_dst=53", "recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.7.7,nw_frag=no,tp_dst=53", "3")]
    [InlineData("192.168.7.7", 54, "udp", "recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.0.0/16,nw_frag=no,tp_dst=0x36/0xfffe", "recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.7.7,nw_frag=no,tp_dst=0x36/0xfffe", "4")]
    public void Oracle_case_c_port_ranges_with_and_without_prefix_tries(string dst, int port, string proto, string megaflow, string megaflowNoPrefix, string actions)
    {
        var packet = $"in_port=1,{proto},nw_src=1.1.1.1,nw_dst={dst},nw_ttl=64,tp_src=40000,tp_dst={port}";
        AssertMegaflow(Build(CaseC), packet, megaflow, actions);
        AssertMegaflow(Build(CaseC, PrefixFields.None), packet, megaflowNoPrefix, actions);
    }
}
