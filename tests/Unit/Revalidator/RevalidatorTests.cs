using VSwarm.Actors.Datapath;
using VSwarm.Actors.Revalidator;
using VSwarm.Actors.Tables;
using VSwarm.Actors.Upcall;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Tests.Unit.DatapathCore;
using VSwarm.Tests.Unit.Upcall;
using Xunit;
using static VSwarm.Tests.Unit.DatapathCore.Dp;

namespace VSwarm.Tests.Unit.Revalidator;

public class RevalidatorTests
{
    private sealed class Rig
    {
        public Rig(UdpifOptions? options = null, IFlowTranslator? translator = null, Func<long>? flowCount = null)
        {
            Shard = new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = 0 }, () => Now, Output);
            Udpif = new UdpifState(options, flowCount ?? (() => Shard.FlowCount));
            IFlowTranslator t = translator ?? Xlate;
            Handler = new UpcallProcessor(Udpif, t, () => Xlate.Tables.Version, () => Now, new UfidGenerator(7));
            Reval = new RevalidatorCore(Udpif, t, () => Xlate.Tables.Version, () => Now);
        }

        public long Now { get; set; }

        public CollectingOutput Output { get; } = new();

        public DatapathShard Shard { get; }

        public TableTranslator Xlate { get; } = new();

        public UdpifState Udpif { get; }

        public UpcallProcessor Handler { get; }

        public RevalidatorCore Reval { get; }

        /// <summary>Sends packets; upcalls are handled at once.</summary>
        public void Send(params FlowKey[] keys)
        {
            Shard.ProcessBatch(keys.Select(k => new Packet(Frame(k), k.InPort)).ToArray());
            var ups = new List<DpifUpcall>();
            Shard.Upcalls.Drain(ups);
            if (ups.Count > 0)
            {
                Handler.Process(ups, Shard);
            }
        }

        public RoundResult Round() => Reval.RunRound(Shard);
    }

    [Fact]
    public void Dynamic_flow_limit_vectors_item_13()
    {
        Assert.Equal(10_000, FlowLimit.Initial(200_000));
        Assert.Equal(5_000, FlowLimit.Adjust(10_000, 2500, 0, 200_000));
        Assert.Equal(7_500, FlowLimit.Adjust(10_000, 1500, 0, 200_000));
        Assert.Equal(11_000, FlowLimit.Adjust(10_000, 500, 8000, 200_000));
        Assert.Equal(1_000, FlowLimit.Adjust(1_500, 4000, 0, 200_000));
        Assert.Equal(200_000, FlowLimit.Adjust(199_500, 100, 50_000, 200_000));
        Assert.Equal(10_000, FlowLimit.Adjust(10_000, 1200, 1_000_000, 200_000)); // 1000..1300: unchanged
        Assert.Equal(10_000, FlowLimit.Adjust(10_000, 500, 5000, 200_000));       // 10000 ≥ 5000·1000/500
    }

    [Fact]
    public void Round_adjusts_the_flow_limit_from_its_duration()
    {
        var rig = new Rig();
        rig.Reval.BeginRound();
        rig.Now += 2500;
        var r = rig.Reval.EndRound();
        Assert.Equal(2500, r.DurationMs);
        Assert.Equal(5000, rig.Udpif.FlowLimit);
        Assert.Equal(2500, rig.Udpif.DumpDurationMs);
        Assert.Equal(500, r.NextRoundAtMs); // start + min(max-idle, max-revalidator)
        Assert.Equal(2UL, rig.Udpif.DumpSeq);
    }

    private static void Install(Rig rig, int n, long usedAt)
    {
        for (var i = 0; i < n; i++)
        {
            rig.Now = usedAt;
            var key = Tcp((uint)i + 1, (uint)i);
            var m = Mask(32);
            var ufid = new Ufid((UInt128)i + 1);
            rig.Udpif.Ukeys.TryInsert(new Ukey(ufid, key, m, Out(2), [], 0, 0, usedAt));
            rig.Shard.Put(new DpifFlowPut(FlowPutFlags.Create, new Match(key, m), Out(2), ufid));
            rig.Udpif.Ukeys.Find(ufid)!.TransitionTo(UkeyState.Operational);
        }
    }

    [Fact]
    public void Over_the_limit_the_idle_time_is_100_ms_vector_item_14()
    {
        // n_flows is re-read per batch: pin it at 1001 (each deletion would otherwise bring it
        // under the limit and restore the 10 s idle time for the following batches).
        var rig = new Rig(new UdpifOptions { FlowLimit = 1000 }, flowCount: () => 1001);
        Install(rig, 1001, 0);
        rig.Now = 850;
        rig.Shard.ProcessBatch(rig.Shard.Flows.Flows.Where((_, k) => k % 2 == 0).Take(32).Select(f => new Packet(Frame(f.Match.Key), f.Match.Key.InPort)).ToArray());
        rig.Now = 950;
        rig.Shard.ProcessBatch(rig.Shard.Flows.Flows.Where((_, k) => k % 2 == 1).Take(32).Select(f => new Packet(Frame(f.Match.Key), f.Match.Key.InPort)).ToArray());
        rig.Now = 1000;
        rig.Round();
        // 32 flows used at 950 survive; everything older than 100 ms (used at 850 or never, created at 0) goes.
        Assert.Equal(32, rig.Shard.FlowCount);
        Assert.Equal(1001 - 32, rig.Reval.DeletedBy(DeleteReason.FlowIdle));
        Assert.Equal(0, rig.Reval.DeletedBy(DeleteReason.FlowLimit));
    }

    [Fact]
    public void Above_twice_the_limit_every_dumped_flow_is_deleted_vector_item_14()
    {
        var rig = new Rig(new UdpifOptions { FlowLimit = 1000 });
        Install(rig, 2001, 0);
        rig.Now = 10;
        rig.Round();
        // Each batch re-evaluates: deletions happen as the dump goes, and stop once n ≤ 2 × limit.
        var deleted = rig.Reval.DeletedBy(DeleteReason.FlowLimit);
        Assert.True(deleted >= 1, $"deleted {deleted}");
        Assert.True(rig.Shard.FlowCount <= 2000);
        Assert.Equal(2001 - rig.Shard.FlowCount, deleted);

        // With the count pinned above 2 × limit, all flows go.
        var rig2 = new Rig(new UdpifOptions { FlowLimit = 1000 }, flowCount: () => 2001);
        Install(rig2, 300, 0);
        rig2.Now = 10;
        rig2.Round();
        Assert.Equal(0, rig2.Shard.FlowCount);
        Assert.Equal(300, rig2.Reval.DeletedBy(DeleteReason.FlowLimit));
    }

    private static (Rig Rig, Ukey Ukey, FlowKey Key) Installed(FlowMask installedMask, DpActions actions, FixedTranslator xlate)
    {
        var rig = new Rig(translator: xlate);
        var key = Tcp(1, Ip("10.1.2.3"));
        xlate.Result = xlate.Result with { Wildcards = installedMask, Actions = actions };
        rig.Handler.Process([new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(Frame(key)), key)], rig.Shard);
        var ukey = rig.Udpif.Ukeys.All().Single();
        Assert.Equal(UkeyState.Operational, ukey.State);
        return (rig, ukey, key);
    }

    [Fact]
    public void Revalidation_verdicts_vector_item_15()
    {
        // M_old /16, M_new /24 → DELETE (flow_wildcarded).
        var x = new FixedTranslator(new XlateResult(Out(2), Mask(16), []));
        var (rig, _, _) = Installed(Mask(16), Out(2), x);
        x.Result = x.Result with { Wildcards = Mask(24) };
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.FlowWildcarded));
        Assert.Equal(0, rig.Shard.FlowCount);
        Assert.Equal(0, rig.Udpif.Ukeys.Count); // freed in the same round's sweep

        // M_old /24, M_new /16, same actions → KEEP.
        x = new FixedTranslator(new XlateResult(Out(2), Mask(24), []));
        (rig, var ukey, _) = Installed(Mask(24), Out(2), x);
        x.Result = x.Result with { Wildcards = Mask(16) };
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(0, rig.Reval.Counters.Deleted);
        Assert.Equal(1, rig.Reval.Counters.Kept);
        Assert.Equal(UkeyState.Operational, ukey.State);
        Assert.Equal(rig.Udpif.RevalSeq, ukey.RevalSeq);

        // Same masks, actions 2 → 3 → MODIFY (flow put MODIFY, no stats reset).
        x = new FixedTranslator(new XlateResult(Out(2), Mask(24), []));
        (rig, ukey, var key) = Installed(Mask(24), Out(2), x);
        rig.Send(key, key);
        var before = rig.Shard.Flows.Find(ukey.Ufid)!.Stats;
        Assert.Equal(2UL, before.Packets); // the upcalled packet was executed, not counted
        x.Result = x.Result with { Actions = Out(3) };
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(1, rig.Reval.Counters.Modified);
        Assert.Equal(Out(3), rig.Shard.Flows.Find(ukey.Ufid)!.Actions);
        Assert.Equal(Out(3), ukey.Actions);
        Assert.Equal(before.Packets, rig.Shard.Flows.Find(ukey.Ufid)!.Stats.Packets);

        // Translation error → DELETE (xlation_error); bridge gone → no_ofproto.
        x.Result = x.Result with { Error = XlateError.TooManyResubmits };
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.XlationError));
        Assert.Equal(0, rig.Shard.FlowCount);
        x.Result = x.Result with { Error = XlateError.NoBridge };
        (rig, _, _) = Installed(Mask(24), Out(2), x);
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.NoOfproto));
    }

    [Fact]
    public void Nothing_is_retranslated_when_reval_seq_did_not_move()
    {
        var rig = new Rig();
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        rig.Send(Tcp(1, Ip("10.1.2.3")));
        var calls = rig.Xlate.Calls;
        rig.Round();
        rig.Round();
        Assert.Equal(calls, rig.Xlate.Calls);
        Assert.Equal(1, rig.Shard.FlowCount);
    }

    [Fact]
    public void Too_expensive_flows_are_deleted_vector_item_16()
    {
        ulong Run(ulong newPackets, long lastRound, out RevalidatorCore reval, out Ukey ukey)
        {
            var x = new FixedTranslator(new XlateResult(Out(2), Mask(24), []));
            var (rig, u, key) = Installed(Mask(24), Out(2), x);
            // Recorded stats: 5 packets, last used at t=1000.
            rig.Now = 1000;
            rig.Send(key, key, key, key, key);
            rig.Round();
            Assert.Equal(5UL, u.Stats.Packets);
            Assert.Equal(1000UL, u.Stats.UsedMs);
            // Now t=2000: n new packets (used now), the previous round took lastRound ms.
            rig.Now = 2000;
            rig.Send(Enumerable.Repeat(key, (int)newPackets).ToArray());
            rig.Udpif.DumpDurationMs = lastRound;
            rig.Udpif.BumpRevalSeq();
            rig.Reval.RunRound(rig.Shard);
            reval = rig.Reval;
            ukey = u;
            return newPackets;
        }

        Run(3, 300, out var r, out var k);       // 1000/3 = 333 ≥ 200 → too expensive
        Assert.Equal(1, r.DeletedBy(DeleteReason.TooExpensive));
        Run(10, 300, out r, out k);              // 1000/10 = 100 < 200 → revalidated
        Assert.Equal(0, r.Counters.Deleted);
        Assert.Equal(1UL, k.RevalSeq);
        Run(3, 200, out r, out _);               // fast previous round → always revalidate
        Assert.Equal(0, r.Counters.Deleted);
    }

    [Fact]
    public void Min_revalidate_pps_0_always_revalidates()
    {
        var x = new FixedTranslator(new XlateResult(Out(2), Mask(24), []));
        var rig = new Rig(new UdpifOptions { MinRevalidatePps = 0 }, x);
        var key = Tcp(1, Ip("10.1.2.3"));
        rig.Handler.Process([new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(Frame(key)), key)], rig.Shard);
        rig.Send(key);
        rig.Round();
        rig.Now = 5000;
        rig.Udpif.DumpDurationMs = 400;
        rig.Udpif.BumpRevalSeq();
        rig.Round();
        Assert.Equal(0, rig.Reval.Counters.Deleted);
    }

    [Fact]
    public void Flow_missing_from_4_dumps_is_deleted_vector_item_17()
    {
        var rig = new Rig();
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        rig.Send(Tcp(1, Ip("10.1.2.3")));
        var ukey = rig.Udpif.Ukeys.All().Single();
        rig.Round();
        Assert.Equal(0, ukey.MissedDumps);
        // The flow disappears from the datapath behind the revalidator's back.
        rig.Shard.Delete(new DpifFlowDel(Ufid: ukey.Ufid));
        for (var round = 1; round <= 3; round++)
        {
            rig.Round();
            Assert.Equal(round, ukey.MissedDumps);
            Assert.Equal(UkeyState.Operational, ukey.State);
        }

        rig.Round();
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.FlowMissingDp));
        Assert.Equal(UkeyState.Deleted, ukey.State);
        Assert.Equal(0, rig.Udpif.Ukeys.Count);
    }

    [Fact]
    public void Idle_flows_expire_on_the_injected_clock_and_stats_reach_the_rules()
    {
        var rig = new Rig();
        var rule = rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        var key = Tcp(1, Ip("10.1.2.3"));
        var frameLen = (long)Frame(key).Length;
        rig.Send(key);           // miss: installed, executed, counted against the rule at upcall time
        rig.Now = 100;
        rig.Send(key, key, key); // 3 hits, pushed by the revalidator
        rig.Now = 500;
        rig.Round();
        Assert.Equal(4, rule.Packets);
        Assert.Equal(4 * frameLen, rule.Bytes);
        Assert.Equal(100, rule.UsedMs);

        rig.Now = 5000;
        rig.Send(key, key);      // 2 more hits, not yet pushed
        rig.Now = 10_000;
        rig.Round();             // idle 5000 ms < 10000: kept, stats pushed
        Assert.Equal(6, rule.Packets);
        Assert.Equal(1, rig.Shard.FlowCount);

        rig.Now = 14_000;
        rig.Send(key);           // one more hit at 14000, then idle
        rig.Now = 24_001;
        rig.Round();             // used 14000 < 24001 − 10000 → flow_idle; final stats attributed
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.FlowIdle));
        Assert.Equal(0, rig.Shard.FlowCount);
        Assert.Equal(7, rule.Packets);
        Assert.Equal(7 * frameLen, rule.Bytes);
        Assert.Equal(14_000, rule.UsedMs);
        Assert.Equal(0, rig.Udpif.Ukeys.Count);

        // The next packet misses and installs again.
        rig.Send(key);
        Assert.Equal(1, rig.Shard.FlowCount);
    }

    [Fact]
    public void Failed_modify_makes_the_ukey_inconsistent_and_the_next_round_deletes_it()
    {
        var x = new FixedTranslator(new XlateResult(Out(2), Mask(24), []));
        var (rig, ukey, _) = Installed(Mask(24), Out(2), x);
        rig.Udpif.BumpRevalSeq();
        x.Result = x.Result with { Actions = Out(3) };
        rig.Reval.BeginRound();
        var step = rig.Reval.OnDumpBatch(rig.Shard.Dump(new DpifFlowDumpRequest(true, 50)));
        var op = Assert.Single(step.Ops);
        Assert.Equal(RevalidateVerdict.Modify, op.Verdict);
        rig.Reval.Complete(step.Ops, [new DpifReply(DpifErrno.ENOENT)]);
        Assert.Equal(UkeyState.Inconsistent, ukey.State);
        rig.Reval.Complete(rig.Reval.Sweep() is var s ? s : [], [.. s.Select(o => rig.Shard.Operate(o.Message))]);
        Assert.Equal(1, rig.Reval.DeletedBy(DeleteReason.UpdateFail));
        rig.Reval.EndRound();
        Assert.Equal(0, rig.Shard.FlowCount);
        Assert.Equal(0, rig.Udpif.Ukeys.Count);
        Assert.Equal("update_fail", DeleteReason.UpdateFail.OvsName());
    }

    [Fact]
    public void Flows_without_ukeys_are_adopted_from_full_dumps_and_deleted_from_terse_ones()
    {
        var rig = new Rig();
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        rig.Shard.Put(Create(Tcp(1, Ip("10.1.2.3")), Mask(16), Out(2), 5));
        rig.Reval.TerseDumps = false;
        rig.Round();
        var ukey = Assert.Single(rig.Udpif.Ukeys.All());
        Assert.Equal(UkeyState.Operational, ukey.State);
        Assert.Single(ukey.Rules); // revalidated at once (reval_seq − 1)
        Assert.Equal(1, rig.Shard.FlowCount);

        var rig2 = new Rig();
        rig2.Shard.Put(Create(Tcp(1, Ip("10.1.2.3")), Mask(16), Out(2), 5));
        rig2.Round();
        Assert.Equal(1, rig2.Reval.Counters.UnknownFlows);
        Assert.Equal(0, rig2.Shard.FlowCount);
    }

    [Fact]
    public void Rules_receive_every_packet_exactly_once_over_many_rounds()
    {
        var rig = new Rig();
        var rules = new List<FlowEntry>();
        for (var i = 0; i < 4; i++)
        {
            rules.Add(rig.Xlate.Add(new Match(Tcp(1, Ip("10.0.0.0") + ((uint)i << 16)), Mask(16, inPort: false)), 100, Out((uint)i + 2)));
        }

        var r = new Random(5);
        long sent = 0;
        for (var round = 0; round < 30; round++)
        {
            rig.Now += 700;
            var keys = Enumerable.Range(0, 20).Select(_ => Tcp(1, Ip("10.0.0.0") + ((uint)r.Next(4) << 16) + (uint)r.Next(3))).ToArray();
            rig.Send(keys);
            sent += keys.Length;
            if (round % 7 == 0)
            {
                rig.Udpif.BumpRevalSeq();
            }

            if (round % 11 == 10)
            {
                rig.Now += 20_000; // everything idles out
            }

            rig.Round();
        }

        rig.Now += 20_000;
        rig.Round();
        Assert.Equal(0, rig.Shard.FlowCount);

        // Every packet is attributed exactly once: a miss at upcall time, a hit by a round.
        Assert.Equal(sent - rig.Shard.Stats.Lost, rules.Sum(e => e.Packets));
    }
}
