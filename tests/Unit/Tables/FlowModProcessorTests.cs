using VSwarm.Actors.Tables;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using VSwarm.Tests.Unit.Classifier;
using Xunit;

namespace VSwarm.Tests.Unit.Tables;

/// <summary>OpenFlow flow-mod semantics on versioned tables (OpenFlow 1.0/1.3, ovs-ofctl(8), OVS 3.1).</summary>
public class FlowModProcessorTests
{
    private readonly OpenFlowTables _tables = new();
    private readonly FlowModProcessor _proc;

    public FlowModProcessorTests() => _proc = new FlowModProcessor(_tables);

    private static OpenFlowRule R(string text) => OfctlFlowParser.ParseFlow(text);

    private static FlowMod M(FlowModCommand cmd, string text) => FlowModText.Parse(cmd, text);

    private FlowModReport Ok(params FlowMod[] batch) => Ok(0, batch);

    private FlowModReport Ok(long now, params FlowMod[] batch)
    {
        var result = _proc.Apply(batch, now);
        Assert.True(result.IsSuccess, result.ToString());
        return result.Report!;
    }

    private FlowModError Fails(params FlowMod[] batch)
    {
        var result = _proc.Apply(batch, 0);
        Assert.False(result.IsSuccess);
        return result.Error!;
    }

    private List<string> Dump(ulong? version = null) =>
        [.. _tables.Entries(version: version ?? _tables.Version).Select(e => OfctlFlowFormatter.Format(e.Rule)).Order(StringComparer.Ordinal)];

    private string? LookupActions(string packet, ulong? version = null, byte table = 0)
    {
        var wc = default(FlowMask);
        var e = _tables.Lookup(table, OfText.Packet(packet), version ?? _tables.Version, ref wc);
        return e is null ? null : OfctlFlowFormatter.FormatActions(e.Rule.Actions);
    }

    [Fact]
    public void Add_publishes_a_new_version_and_reports_the_new_rules()
    {
        var v0 = _tables.Version;
        var rep = Ok(FlowMod.Add(R("priority=100,ip,actions=output:1")), FlowMod.Add(R("priority=50,actions=drop")));
        Assert.Equal(v0 + 1, rep.Version);
        Assert.Equal(v0 + 1, _tables.Version);
        Assert.Equal(2, rep.Added.Length);
        Assert.Empty(rep.Modified);
        Assert.Empty(rep.Deleted);
        Assert.Equal("output:1", LookupActions("ip,nw_dst=10.0.0.1"));
        Assert.Equal("drop", LookupActions("arp"));
    }

    [Fact]
    public void Add_replaces_an_identical_rule_and_keeps_its_counters()
    {
        Ok(FlowMod.Add(R("priority=100,ip,actions=output:1")));
        _tables.Entries().Single().PushStats(3, 300, 5);
        var rep = Ok(10_000, FlowMod.Add(R("priority=100,ip,idle_timeout=7,actions=output:2")));
        var change = Assert.Single(rep.Modified);
        Assert.Empty(rep.Added);
        Assert.Equal(3, change.New.Packets);
        Assert.Equal(300, change.New.Bytes);
        Assert.Equal(10_000, change.New.CreatedMs);
        Assert.Equal(7, change.New.Rule.IdleTimeout);
        Assert.Equal(["idle_timeout=7, priority=100,ip actions=output:2"], Dump());
    }

    [Fact]
    public void Add_with_a_different_priority_is_a_second_rule()
    {
        Ok(FlowMod.Add(R("priority=100,ip,actions=output:1")));
        var rep = Ok(FlowMod.Add(R("priority=101,ip,actions=output:2")));
        Assert.Single(rep.Added);
        Assert.Equal(2, Dump().Count);
        Assert.Equal("output:2", LookupActions("ip"));
    }

    [Theory]
    // ovs-brief §9 item 12: A (100, in_port=1); B (100, dl_type=0x0800) overlaps; at 101 it does not.
    [InlineData("priority=100,in_port=1,actions=drop", "priority=100,dl_type=0x0800,actions=drop", true)]
    [InlineData("priority=100,in_port=1,actions=drop", "priority=101,dl_type=0x0800,actions=drop", false)]
    [InlineData("priority=100,in_port=1,ip,actions=drop", "priority=100,in_port=2,ip,actions=drop", false)]
    public void Check_overlap_follows_classifier_rule_overlaps(string existing, string added, bool overlaps)
    {
        Ok(FlowMod.Add(R(existing)));
        var result = _proc.Apply(FlowMod.Add(R(added), checkOverlap: true), 0);
        Assert.Equal(!overlaps, result.IsSuccess);
        if (overlaps)
        {
            Assert.Equal(FlowModErrorCode.Overlap, result.Error!.Code);
            Assert.Equal(0, result.Error.Index);
            Assert.Contains("in_port=1", result.Error.Message, StringComparison.Ordinal);
        }

        // Without the flag the same add always succeeds.
        var plain = new FlowModProcessor(new OpenFlowTables());
        Assert.True(plain.Apply(FlowMod.Add(R(existing)), 0).IsSuccess);
        Assert.True(plain.Apply(FlowMod.Add(R(added)), 0).IsSuccess);
    }

    [Fact]
    public void Check_overlap_does_not_reject_replacing_an_identical_rule()
    {
        Ok(FlowMod.Add(R("priority=100,in_port=1,actions=drop")));
        var rep = Ok(FlowMod.Add(R("priority=100,in_port=1,actions=output:3"), checkOverlap: true));
        Assert.Single(rep.Modified);
    }

    [Fact]
    public void Check_overlap_sees_earlier_rules_of_the_same_batch_and_rejects_it_all()
    {
        var v0 = _tables.Version;
        var err = Fails(
            FlowMod.Add(R("priority=10,ip,actions=output:1")),
            FlowMod.Add(R("priority=10,in_port=4,actions=drop"), checkOverlap: true));
        Assert.Equal(1, err.Index);
        Assert.Equal(FlowModErrorCode.Overlap, err.Code);
        Assert.Equal(v0, _tables.Version);
        Assert.Empty(_tables.Entries());
    }

    [Fact]
    public void A_failing_batch_leaves_every_rule_as_it_was()
    {
        Ok(FlowMod.Add(R("priority=10,ip,actions=output:1")), FlowMod.Add(R("priority=20,arp,actions=output:2")));
        var before = Dump();
        var v = _tables.Version;
        var err = Fails(
            M(FlowModCommand.Modify, "ip,actions=output:9"),
            M(FlowModCommand.Delete, "arp"),
            FlowMod.Add(R("priority=5,actions=drop")),
            FlowMod.Add(R("actions=drop") with { Table = 255 }));
        Assert.Equal(FlowModErrorCode.BadTableId, err.Code);
        Assert.Equal(3, err.Index);
        Assert.Equal(v, _tables.Version);
        Assert.Equal(before, Dump());
        Assert.Equal(before, Dump(_tables.NextVersion)); // nothing lingers for the next batch either
        Assert.Equal(2, _tables.Entries().Count());       // rolled-back entries are physically gone
        Ok(M(FlowModCommand.Modify, "ip,actions=output:9"));
        Assert.Equal("output:9", LookupActions("ip"));
    }

    [Fact]
    public void Add_rejects_a_cookie_mask()
    {
        var err = Fails(FlowMod.Add(R("cookie=0x1/0xff,actions=drop")));
        Assert.Equal(FlowModErrorCode.BadCookieMask, err.Code);
    }

    [Fact]
    public void Modify_loose_changes_actions_of_every_more_specific_rule_and_keeps_the_rest()
    {
        Ok(
            FlowMod.Add(R("cookie=0x7,priority=100,idle_timeout=30,ip,nw_dst=10.0.0.1,actions=output:1")),
            FlowMod.Add(R("priority=90,ip,actions=output:2")),
            FlowMod.Add(R("priority=80,arp,actions=output:3")),
            FlowMod.Add(R("priority=70,actions=output:4")));
        _tables.Entries().Single(e => e.Rule.Priority == 100).PushStats(2, 200, 50);
        var rep = Ok(900, M(FlowModCommand.Modify, "ip,actions=drop"));
        Assert.Equal(2, rep.Modified.Length); // the two ip rules; not arp, not the catch-all
        var m100 = rep.Modified.Single(c => c.New.Rule.Priority == 100);
        Assert.Equal(0x7UL, m100.New.Rule.Cookie);
        Assert.Equal(30, m100.New.Rule.IdleTimeout);
        Assert.Equal(0, m100.New.CreatedMs);
        Assert.Equal(2, m100.New.Packets);
        Assert.Equal(50, m100.New.UsedMs);
        Assert.Equal("drop", LookupActions("ip,nw_dst=10.0.0.1"));
        Assert.Equal("output:3", LookupActions("arp"));
    }

    [Fact]
    public void Modify_strict_touches_only_the_exact_match_and_priority()
    {
        Ok(FlowMod.Add(R("priority=100,ip,actions=output:1")), FlowMod.Add(R("priority=100,ip,nw_dst=10.0.0.1,actions=output:2")));
        var rep = Ok(M(FlowModCommand.ModifyStrict, "priority=100,ip,actions=drop"));
        var change = Assert.Single(rep.Modified);
        Assert.Equal("priority=100,ip actions=output:1", OfctlFlowFormatter.Format(change.Old.Rule));
        Assert.Empty(Ok(M(FlowModCommand.ModifyStrict, "priority=99,ip,actions=drop")).Modified);
        Assert.Equal(["priority=100,ip actions=drop", "priority=100,ip,nw_dst=10.0.0.1 actions=output:2"], Dump());
    }

    [Fact]
    public void Modify_of_nothing_adds_only_with_a_new_cookie_like_ovs_3_1()
    {
        var none = Ok(M(FlowModCommand.Modify, "priority=5,ip,actions=drop"));
        Assert.False(none.Changed);
        Assert.Empty(_tables.Entries());

        var filtered = Ok(M(FlowModCommand.Modify, "cookie=0x5/0xff,ip,actions=drop"));
        Assert.False(filtered.Changed);

        var added = Ok(M(FlowModCommand.Modify, "cookie=0x5,priority=5,ip,actions=drop"));
        var entry = Assert.Single(added.Added);
        Assert.Equal(0x5UL, entry.Rule.Cookie);
        Assert.Equal(0, entry.Rule.Table);
    }

    [Fact]
    public void Modify_with_a_cookie_sets_it_and_a_cookie_mask_filters()
    {
        Ok(
            FlowMod.Add(R("cookie=0x101,priority=10,ip,actions=output:1")),
            FlowMod.Add(R("cookie=0x201,priority=20,ip,actions=output:2")));
        var rep = Ok(M(FlowModCommand.Modify, "cookie=0x100/0xf00,ip,actions=drop"));
        var change = Assert.Single(rep.Modified);
        Assert.Equal(0x101UL, change.New.Rule.Cookie); // a filter does not change the cookie
        rep = Ok(M(FlowModCommand.Modify, "cookie=0x999,priority=20,ip,actions=output:2"));
        Assert.Equal([0x999UL, 0x999UL], rep.Modified.Select(c => c.New.Rule.Cookie));
    }

    [Fact]
    public void Modify_that_changes_nothing_publishes_nothing()
    {
        Ok(FlowMod.Add(R("priority=10,ip,actions=output:1")));
        var v = _tables.Version;
        var rep = Ok(M(FlowModCommand.Modify, "ip,actions=output:1"));
        Assert.False(rep.Changed);
        Assert.Equal(v, _tables.Version);
    }

    [Fact]
    public void Delete_loose_removes_more_specific_rules_in_every_table_without_table()
    {
        Ok(
            FlowMod.Add(R("priority=10,ip,actions=output:1")),
            FlowMod.Add(R("table=3,priority=10,ip,nw_src=1.2.3.4,actions=output:1")),
            FlowMod.Add(R("priority=10,arp,actions=output:1")),
            FlowMod.Add(R("priority=1,actions=drop")));
        var rep = Ok(M(FlowModCommand.Delete, "ip"));
        Assert.Equal(2, rep.Deleted.Length);
        Assert.Equal(["priority=1 actions=drop", "priority=10,arp actions=output:1"], Dump());
    }

    [Fact]
    public void Delete_with_table_acts_on_that_table_only()
    {
        Ok(FlowMod.Add(R("priority=10,ip,actions=output:1")), FlowMod.Add(R("table=3,priority=10,ip,actions=output:1")));
        var rep = Ok(M(FlowModCommand.Delete, "table=3,ip"));
        Assert.Equal(3, Assert.Single(rep.Deleted).Rule.Table);
        Assert.Equal(["priority=10,ip actions=output:1"], Dump());
    }

    [Fact]
    public void Delete_strict_needs_the_exact_match_and_priority()
    {
        Ok(FlowMod.Add(R("priority=10,ip,actions=output:1")), FlowMod.Add(R("priority=10,ip,nw_dst=10.0.0.1,actions=output:1")));
        Assert.False(Ok(M(FlowModCommand.DeleteStrict, "priority=11,ip")).Changed);
        var rep = Ok(M(FlowModCommand.DeleteStrict, "priority=10,ip"));
        Assert.Equal("priority=10,ip actions=output:1", OfctlFlowFormatter.Format(Assert.Single(rep.Deleted).Rule));
        Assert.Single(Dump());
    }

    [Fact]
    public void Delete_with_a_cookie_mask_removes_only_matching_cookies()
    {
        Ok(
            FlowMod.Add(R("cookie=0x1a,priority=1,ip,actions=drop")),
            FlowMod.Add(R("cookie=0x2a,priority=2,ip,actions=drop")),
            FlowMod.Add(R("cookie=0x1b,priority=3,arp,actions=drop")));
        var rep = Ok(M(FlowModCommand.Delete, "cookie=0x10/0xf0"));
        Assert.Equal([0x1aUL, 0x1bUL], rep.Deleted.Select(e => e.Rule.Cookie).Order());
        Assert.Equal(["cookie=0x2a, priority=2,ip actions=drop"], Dump());
    }

    [Fact]
    public void Delete_with_out_port_removes_only_rules_that_output_there()
    {
        Ok(
            FlowMod.Add(R("priority=1,ip,actions=output:1")),
            FlowMod.Add(R("priority=2,ip,actions=output:2,output:3")),
            FlowMod.Add(R("priority=3,arp,actions=drop")));
        var rep = Ok(M(FlowModCommand.Delete, "out_port=3"));
        Assert.Equal(2, Assert.Single(rep.Deleted).Rule.Priority);
        Assert.Equal(2, Dump().Count);
    }

    [Fact]
    public void Delete_all_empties_every_table()
    {
        Ok(FlowMod.Add(R("priority=1,ip,actions=drop")), FlowMod.Add(R("table=9,actions=drop")));
        Assert.Equal(2, Ok(FlowMod.DeleteAll()).Deleted.Length);
        Assert.Empty(Dump());
        Ok(M(FlowModCommand.Add, "actions=drop"), M(FlowModCommand.Add, "table=1,actions=drop"));
        Assert.Equal(2, Ok(M(FlowModCommand.Delete, "")).Deleted.Length);
        Assert.Empty(Dump());
    }

    [Fact]
    public void Changes_within_a_batch_are_net()
    {
        Ok(FlowMod.Add(R("priority=1,ip,actions=output:1")));
        var rep = Ok(
            FlowMod.Add(R("priority=2,arp,actions=output:2")),
            M(FlowModCommand.Modify, "arp,actions=output:3"),   // modifies the rule added just before
            M(FlowModCommand.Modify, "ip,actions=output:4"),
            M(FlowModCommand.Modify, "ip,actions=output:5"),
            FlowMod.Add(R("priority=9,actions=drop")),
            M(FlowModCommand.DeleteStrict, "priority=9"));
        var added = Assert.Single(rep.Added);
        Assert.Equal("priority=2,arp actions=output:3", OfctlFlowFormatter.Format(added.Rule));
        var change = Assert.Single(rep.Modified);
        Assert.Equal("output:1", OfctlFlowFormatter.FormatActions(change.Old.Rule.Actions));
        Assert.Equal("output:5", OfctlFlowFormatter.FormatActions(change.New.Rule.Actions));
        Assert.Empty(rep.Deleted);
        Assert.Equal(3, _tables.Entries(version: null).Count()); // 2 live + the replaced ip rule; never-visible ones are gone
        Assert.Equal(1, _proc.PendingRemovalCount);
    }

    [Fact]
    public void A_reader_at_the_old_version_still_sees_the_old_rules_until_collected()
    {
        Ok(FlowMod.Add(R("priority=10,ip,actions=output:1")));
        var old = _tables.Version;
        Ok(M(FlowModCommand.Modify, "ip,actions=output:2"), FlowMod.Add(R("priority=5,arp,actions=drop")));
        Assert.Equal("output:1", LookupActions("ip", old));
        Assert.Null(LookupActions("arp", old));
        Assert.Equal("output:2", LookupActions("ip"));
        Assert.Equal("drop", LookupActions("arp"));

        Assert.Equal(0, _proc.CollectGarbage(old)); // a reader may still be at `old`
        Assert.Equal("output:1", LookupActions("ip", old));
        Assert.Equal(1, _proc.CollectGarbage(_tables.Version));
        Assert.Equal(0, _proc.PendingRemovalCount);
        Assert.Equal(2, _tables.Entries().Count());
    }

    [Fact]
    public void Hard_timeout_counts_from_creation_and_idle_from_last_use()
    {
        Ok(1_000,
            FlowMod.Add(R("priority=1,hard_timeout=5,ip,actions=drop")),
            FlowMod.Add(R("priority=2,idle_timeout=3,arp,actions=drop")),
            FlowMod.Add(R("priority=3,idle_timeout=3,hard_timeout=10,tcp,actions=drop")),
            FlowMod.Add(R("priority=4,actions=drop")));
        Assert.False(_proc.Expire(3_999).Changed);

        // idle: the arp rule got a packet at 3000 ms, so it lives until 6000.
        _tables.Entries().Single(e => e.Rule.Priority == 2).PushStats(1, 60, 3_000);
        var tcp = _tables.Entries().Single(e => e.Rule.Priority == 3);
        var r1 = _proc.Expire(4_000);
        Assert.Equal([(3, FlowRemovedReason.IdleTimeout)], r1.Expired.Select(x => ((int)x.Entry.Rule.Priority, x.Reason)));
        Assert.Same(tcp, r1.Expired[0].Entry);
        Assert.Equal(_tables.Version, r1.Version);

        var r2 = _proc.Expire(6_000);
        Assert.Equal([(1, FlowRemovedReason.HardTimeout), (2, FlowRemovedReason.IdleTimeout)], r2.Expired.Select(x => ((int)x.Entry.Rule.Priority, x.Reason)).Order());
        Assert.Equal(["priority=4 actions=drop"], Dump());
        Assert.False(_proc.Expire(1_000_000).Changed);
    }

    [Fact]
    public void Hard_timeout_wins_when_both_passed_and_modify_keeps_the_creation_time()
    {
        Ok(0, FlowMod.Add(R("priority=1,idle_timeout=2,hard_timeout=4,ip,actions=drop")));
        Ok(3_000, M(FlowModCommand.Modify, "ip,actions=output:1"));
        var r = _proc.Expire(4_000);
        Assert.Equal(FlowRemovedReason.HardTimeout, Assert.Single(r.Expired).Reason);
    }

    [Fact]
    public void Text_parsing_follows_ovs_ofctl_defaults()
    {
        var del = FlowModText.Parse(FlowModCommand.Delete, "ip,out_port=2");
        Assert.True(del.AllTables);
        Assert.Equal((ushort)2, del.OutPort);
        var delT = FlowModText.Parse(FlowModCommand.DeleteStrict, "table=4,priority=7,ip");
        Assert.False(delT.AllTables);
        Assert.Equal(4, delT.Rule.Table);
        Assert.True(FlowModText.Parse(FlowModCommand.Modify, "cookie=0x5,ip,actions=drop").SetCookie);
        Assert.False(FlowModText.Parse(FlowModCommand.Modify, "cookie=0x5/0xf,ip,actions=drop").SetCookie);
        Assert.False(FlowModText.Parse(FlowModCommand.Modify, "ip,actions=drop").SetCookie);
        Assert.True(FlowModText.Parse(FlowModCommand.Add, "priority=5,check_overlap,ip,actions=drop").CheckOverlap);
        Assert.False(FlowModText.Parse(FlowModCommand.Add, "ip,actions=drop").AllTables);
        Assert.Throws<OfctlParseException>(() => FlowModText.Parse(FlowModCommand.Add, "ip,nonsense=1,actions=drop"));
    }
}
