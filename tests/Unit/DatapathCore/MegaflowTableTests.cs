using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Datapath;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using Xunit;
using static VSwarm.Tests.Unit.DatapathCore.Dp;

namespace VSwarm.Tests.Unit.DatapathCore;

public class MegaflowTableTests
{
    private static readonly Config Cfg = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static Gen<int> Seeds => Gen.Choose(0, int.MaxValue - 1);

    private static readonly int[] Prefixes = [0, 8, 16, 24, 32];

    /// <summary>A random flow over a small value domain, so that flows and packets collide often.</summary>
    private static (FlowKey Key, FlowMask Mask) RandomFlow(Random r)
    {
        var k = Tcp((uint)r.Next(1, 3), (uint)((10 << 24) | (r.Next(2) << 16) | (r.Next(2) << 8) | r.Next(3)), (ushort)(79 + r.Next(3)));
        return (k, Mask(Prefixes[r.Next(Prefixes.Length)], r.Next(2) == 0, r.Next(4) != 0));
    }

    private static FlowKey RandomPacket(Random r) =>
        Tcp((uint)r.Next(1, 3), (uint)((10 << 24) | (r.Next(2) << 16) | (r.Next(2) << 8) | r.Next(3)), (ushort)(79 + r.Next(3)));

    [Fact]
    public void Lookup_agrees_with_a_linear_scan_over_installed_flows() =>
        Prop.ForAll(Seeds.ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var t = new MegaflowTable();
            for (var i = 0; i < 30; i++)
            {
                var (k, m) = RandomFlow(r);
                t.Put(Create(k, m, Out((uint)i), (ulong)i + 1));
            }

            var installed = t.Flows.ToList();
            Assert.Equal(installed.Count, t.Count);
            for (var i = 0; i < 50; i++)
            {
                var p = RandomPacket(r);
                var hit = t.Lookup(p);
                var any = installed.Where(f => f.Match.Matches(p)).ToList();
                Assert.Equal(any.Count > 0, hit is not null);
                if (hit is not null)
                {
                    Assert.True(hit.Match.Matches(p));
                    Assert.Contains(hit, any);
                }
            }
        }).Check(Cfg);

    [Fact]
    public void Disjoint_megaflows_all_install_never_overlap_and_lookup_finds_the_unique_one() =>
        Prop.ForAll(Seeds.ToArbitrary(), seed =>
        {
            // Disjoint by construction: each in_port has its own mask, keys distinct under it.
            var r = new Random(seed);
            var t = new MegaflowTable();
            var reference = new List<Match>();
            for (uint port = 1; port <= 5; port++)
            {
                var mask = Mask(Prefixes[r.Next(1, Prefixes.Length)], r.Next(2) == 0);
                var seen = new HashSet<FlowKey>();
                for (var i = 0; i < 10; i++)
                {
                    var m = new Match(Tcp(port, (uint)r.Next(), (ushort)r.Next(70, 90)), mask);
                    if (seen.Add(m.Key))
                    {
                        Assert.Equal(DpifErrno.Ok, t.Put(new DpifFlowPut(FlowPutFlags.Create, m, Out(port))).Errno);
                        reference.Add(m);
                    }
                }
            }

            var flows = t.Flows.ToList();
            Assert.Equal(reference.Count, flows.Count);
            for (var i = 0; i < flows.Count; i++)
            {
                for (var j = i + 1; j < flows.Count; j++)
                {
                    Assert.False(flows[i].Match.Overlaps(flows[j].Match));
                }
            }

            foreach (var m in reference)
            {
                var p = m.Key;
                p.NwSrc = (uint)r.Next(); // a bit the flow does not match
                Assert.Equal(m, t.Lookup(p)!.Match);
            }
        }).Check(Cfg);

    [Fact]
    public void Create_of_a_key_an_installed_flow_covers_gives_EEXIST() =>
        Prop.ForAll(Seeds.ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var t = new MegaflowTable();
            var (k, m) = RandomFlow(r);
            Assert.True(t.Put(Create(k, m, Out(1), 1)).Ok);

            // Any key the flow matches, under any mask at least as specific as the installed one.
            var p = RandomPacket(r);
            for (var w = 0; w < FlowLayout.Words; w++)
            {
                p.Words[w] = (p.Words[w] & ~m.Words[w]) | (k.Words[w] & m.Words[w]);
            }

            var (_, extra) = RandomFlow(r);
            var reply = t.Put(Create(p, m | extra, Out(2), 2));
            Assert.Equal(DpifErrno.EEXIST, reply.Errno);
            Assert.Equal(1, t.Count);

            // Same UFID, different (disjoint) key: EEXIST as well.
            var other = Tcp(99, 0xC0A80001);
            Assert.Equal(DpifErrno.EEXIST, t.Put(Create(other, m, Out(2), 1)).Errno);
        }).Check(Cfg);

    [Fact]
    public void Kernel_duplicate_put_vector_item_25()
    {
        var t = new MegaflowTable();
        var installed = Tcp(1, Ip("10.0.0.0"));
        Assert.True(t.Put(Create(installed, Mask(8), Out(2), 1)).Ok);
        var reply = t.Put(Create(Tcp(1, Ip("10.1.2.3")), Mask(32), Out(3), 2));
        Assert.Equal(DpifErrno.EEXIST, reply.Errno);

        // The reverse order is not detected (best effort): /32 first, then /8 installs.
        var t2 = new MegaflowTable();
        Assert.True(t2.Put(Create(Tcp(1, Ip("10.1.2.3")), Mask(32), Out(3), 2)).Ok);
        Assert.True(t2.Put(Create(installed, Mask(8), Out(2), 1)).Ok);
    }

    [Fact]
    public void Modify_delete_get_semantics()
    {
        long now = 100;
        var t = new MegaflowTable(() => now);
        var k = Tcp(1, Ip("10.1.0.0"));
        var m = Mask(16);
        var put = Create(k, m, Out(2), 7);

        // MODIFY of an absent flow → ENOENT; CREATE → ok with zero stats.
        Assert.Equal(DpifErrno.ENOENT, t.Put(put with { Flags = FlowPutFlags.Modify }).Errno);
        var created = t.Put(put);
        Assert.True(created.Ok);
        Assert.Equal(FlowStats.Zero, created.Stats);

        var flow = t.Find(new Ufid(7))!;
        var gen = flow.Generation;

        // Stats, then MODIFY keeps them and returns them; ZERO_STATS clears.
        var shardLike = new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = 0 }, () => now);
        Assert.True(shardLike.Put(put).Ok);
        var frame = Frame(Tcp(1, Ip("10.1.9.9"), flags: 0x02));
        now = 250;
        shardLike.Process(new Packet(frame, 1));
        shardLike.Process(new Packet(frame, 1));
        var before = shardLike.Flows.Find(new Ufid(7))!.Stats;
        Assert.Equal(new FlowStats(2, (ulong)frame.Length * 2, 250, 0x02), before);
        var mod = shardLike.Put(put with { Flags = FlowPutFlags.Modify, Actions = Out(3) });
        Assert.Equal(before, mod.Stats);
        Assert.Equal(before, shardLike.Flows.Find(new Ufid(7))!.Stats);
        Assert.Equal(Out(3), shardLike.Flows.Find(new Ufid(7))!.Actions);
        var zero = shardLike.Put(put with { Flags = FlowPutFlags.Modify | FlowPutFlags.ZeroStats, Actions = Out(4) });
        Assert.Equal(before, zero.Stats);
        Assert.Equal(FlowStats.Zero, shardLike.Flows.Find(new Ufid(7))!.Stats);

        // Modify bumps the generation.
        Assert.True(t.Put(put with { Flags = FlowPutFlags.Modify, Actions = Out(9) }).Ok);
        Assert.Equal(gen + 1, flow.Generation);

        // CREATE of the same match → EEXIST; CREATE|MODIFY → modifies.
        Assert.Equal(DpifErrno.EEXIST, t.Put(put).Errno);
        Assert.True(t.Put(put with { Flags = FlowPutFlags.Create | FlowPutFlags.Modify, Actions = Out(5) }).Ok);

        // Get by UFID and by key; delete by UFID returns the final stats; then ENOENT.
        Assert.Equal(Out(5), t.Get(new DpifFlowGet(Ufid: new Ufid(7))).Flow!.Actions);
        Assert.Equal(Out(5), t.Get(new DpifFlowGet(Key: Tcp(1, Ip("10.1.3.3")))).Flow!.Actions);
        Assert.True(t.Delete(new DpifFlowDel(Ufid: new Ufid(7))).Ok);
        Assert.False(flow.IsInstalled);
        Assert.Equal(DpifErrno.ENOENT, t.Delete(new DpifFlowDel(Ufid: new Ufid(7))).Errno);
        Assert.Equal(DpifErrno.ENOENT, t.Get(new DpifFlowGet(Ufid: new Ufid(7))).Errno);
        Assert.Equal(0, t.Count);
        Assert.Equal(0, t.MaskCount);
        Assert.Null(t.Lookup(Tcp(1, Ip("10.1.9.9"))));

        // Delete by key.
        Assert.True(t.Put(put).Ok);
        var del = shardLike.Delete(new DpifFlowDel(Key: Tcp(1, Ip("10.1.4.4"))));
        Assert.True(del.Ok);
        Assert.True(t.Delete(new DpifFlowDel(Key: Tcp(1, Ip("10.1.4.4")))).Ok);
    }

    [Fact]
    public void Dump_returns_every_flow_exactly_once_when_the_table_does_not_change() =>
        Prop.ForAll(Seeds.ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var t = new MegaflowTable();
            var n = r.Next(0, 300);
            for (var i = 0; i < n; i++)
            {
                Assert.True(t.Put(Create(Tcp((uint)i + 1, (uint)r.Next()), Mask(Prefixes[r.Next(Prefixes.Length)]), Out(1), (ulong)i + 1)).Ok);
            }

            // Churn before the dump: deletions leave holes (and compaction).
            foreach (var f in t.Flows.Where(_ => r.Next(3) == 0).ToList())
            {
                t.Remove(f);
            }

            var expected = t.Flows.Select(f => f.Ufid!.Value).ToList();
            var got = new List<Ufid>();
            ulong cursor = 0;
            var batchMax = (uint)r.Next(0, 60);
            for (var guard = 0; guard < 10_000; guard++)
            {
                var b = t.Dump(new DpifFlowDumpRequest(r.Next(2) == 0, batchMax, cursor));
                Assert.True(b.Flows.Count <= (batchMax == 0 ? 50 : batchMax));
                got.AddRange(b.Flows.Select(f => f.Ufid!.Value));
                if (b.Done)
                {
                    break;
                }

                cursor = b.NextCursor;
            }

            Assert.Equal(expected, got);
        }).Check(Cfg);

    [Fact]
    public void Dump_interleaved_with_changes_returns_each_surviving_flow_once() =>
        Prop.ForAll(Seeds.ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var t = new MegaflowTable();
            ulong next = 1;
            for (var i = 0; i < 200; i++, next++)
            {
                t.Put(Create(Tcp((uint)next, (uint)r.Next()), Mask(24), Out(1), next));
            }

            var initial = t.Flows.Select(f => f.Ufid!.Value).ToHashSet();
            var deleted = new HashSet<Ufid>();
            var got = new List<Ufid>();
            ulong cursor = 0;
            while (true)
            {
                var b = t.Dump(new DpifFlowDumpRequest(true, 17, cursor));
                got.AddRange(b.Flows.Select(f => f.Ufid!.Value));
                if (b.Done)
                {
                    break;
                }

                cursor = b.NextCursor;
                foreach (var f in t.Flows.Where(_ => r.Next(10) == 0).ToList())
                {
                    deleted.Add(f.Ufid!.Value);
                    t.Remove(f);
                }

                for (var i = 0; i < 5; i++, next++)
                {
                    t.Put(Create(Tcp((uint)next, (uint)r.Next()), Mask(24), Out(1), next));
                }
            }

            Assert.Equal(got.Count, got.Distinct().Count());
            foreach (var u in initial.Where(u => !deleted.Contains(u)))
            {
                Assert.Contains(u, got);
            }
        }).Check(Cfg);

    [Fact]
    public void Optimize_ranks_subtables_by_recent_hits()
    {
        var t = new MegaflowTable();
        t.Put(Create(Tcp(1, Ip("10.0.0.0")), Mask(8), Out(1), 1));
        t.Put(Create(Tcp(2, Ip("10.1.0.0")), Mask(16), Out(1), 2));
        t.Put(Create(Tcp(3, Ip("10.1.2.0")), Mask(24), Out(1), 3));
        for (var i = 0; i < 5; i++)
        {
            t.Lookup(Tcp(3, Ip("10.1.2.7")), out var probed);
            Assert.Equal(3, probed);
        }

        t.Lookup(Tcp(2, Ip("10.1.2.7")));
        t.Optimize();
        Assert.Equal(Mask(24), t.Subtables[0].Mask);
        Assert.Equal(Mask(16), t.Subtables[1].Mask);
        Assert.All(t.Subtables, s => Assert.Equal(0, s.Hits));
        Assert.Equal(5, t.Subtables[0].TotalHits);
        t.Lookup(Tcp(3, Ip("10.1.2.7")), out var after);
        Assert.Equal(1, after);
    }
}
