using VSwarm.Actors.Datapath;
using VSwarm.Actors.Upcall;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Tests.Unit.DatapathCore;
using Xunit;
using static VSwarm.Tests.Unit.DatapathCore.Dp;

namespace VSwarm.Tests.Unit.Upcall;

public class UpcallProcessorTests
{
    private sealed class Rig
    {
        public long Now { get; set; }
        public CollectingOutput Output = new();
        public DatapathShard Shard;
        public TableTranslator Xlate = new();
        public UdpifState Udpif;
        public UpcallProcessor Handler;

        public Rig(UdpifOptions? options = null, Func<long>? flowCount = null)
        {
            Shard = new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = 0 }, () => Now, Output);
            Udpif = new UdpifState(options, flowCount ?? (() => Shard.FlowCount));
            Handler = new UpcallProcessor(Udpif, Xlate, () => Xlate.Tables.Version, () => Now, new UfidGenerator(42));
        }

        public List<DpifUpcall> Send(params FlowKey[] keys)
        {
            Shard.ProcessBatch(keys.Select(k => new Packet(Frame(k), k.InPort)).ToArray());
            var ups = new List<DpifUpcall>();
            Shard.Upcalls.Drain(ups);
            return ups;
        }
    }

    [Fact]
    public void Miss_installs_a_megaflow_and_executes_the_packet_then_packets_hit()
    {
        var rig = new Rig();
        var rule = rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        var ups = rig.Send(Tcp(1, Ip("10.1.2.3")));
        var batch = rig.Handler.Process(ups, rig.Shard);
        Assert.Equal(2, batch.Ops.Count);
        var put = Assert.IsType<DpifFlowPut>(batch.Ops[0].Message);
        Assert.Equal(FlowPutFlags.Create, put.Flags);
        Assert.Equal(rig.Handler.UfidOf(ups[0]), put.Ufid);
        Assert.IsType<DpifExecute>(batch.Ops[1].Message);
        var ukey = batch.Ops[0].Ukey!;
        Assert.Equal(UkeyState.Operational, ukey.State);
        Assert.Same(rule, Assert.Single(ukey.Rules));
        Assert.Equal(2u, Assert.Single(rig.Output.Sent).Port); // executed
        Assert.Equal(1, rig.Shard.FlowCount);
        Assert.Equal(1, rig.Handler.Counters.Installed);

        Assert.Empty(rig.Send(Tcp(1, Ip("10.1.9.9"))));
        Assert.Equal(2, rig.Output.Sent.Count);
    }

    [Fact]
    public void Duplicate_upcall_is_executed_but_not_installed()
    {
        var rig = new Rig();
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        var ups = rig.Send(Tcp(1, Ip("10.1.2.3")), Tcp(1, Ip("10.1.2.3")));
        Assert.Equal(2, ups.Count);
        var batch = rig.Handler.Process(ups, rig.Shard);
        Assert.Single(batch.Ops, o => o.Message is DpifFlowPut);
        Assert.Equal(2, batch.Ops.Count(o => o.Message is DpifExecute));
        Assert.Equal(1, rig.Handler.Counters.Duplicates);
        Assert.Equal(2, rig.Output.Sent.Count);
    }

    [Fact]
    public void Flow_limit_gate_vector_item_14_handler()
    {
        long dpFlows = 1000;
        var rig = new Rig(new UdpifOptions { FlowLimit = 1000 }, () => dpFlows);
        Assert.Equal(1000, rig.Udpif.FlowLimit);
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        var batch = rig.Handler.Process(rig.Send(Tcp(1, Ip("10.1.2.3"))), rig.Shard);
        Assert.DoesNotContain(batch.Ops, o => o.Message is DpifFlowPut);
        Assert.Single(batch.Ops, o => o.Message is DpifExecute);
        Assert.Equal(1, rig.Handler.Counters.OverLimit);
        Assert.Equal(0, rig.Shard.FlowCount);
        Assert.Single(rig.Output.Sent);
        Assert.Equal(0, rig.Udpif.Ukeys.Count);

        dpFlows = 999;
        rig.Handler.Process(rig.Send(Tcp(1, Ip("10.1.2.3"))), rig.Shard);
        Assert.Equal(1, rig.Shard.FlowCount);
    }

    [Fact]
    public void Kernel_duplicate_put_vector_item_25_evicts_the_ukey_and_still_executes()
    {
        var rig = new Rig();
        rig.Shard.Put(Create(Tcp(1, Ip("10.0.0.0")), Mask(8), Out(7), 0xAAAA));
        var mask32 = Mask(32);
        rig.Handler = new UpcallProcessor(rig.Udpif, new FixedTranslator(new XlateResult(Out(3), mask32, [])), () => 0, () => 0);
        var key = Tcp(1, Ip("10.1.2.3"));
        var upcall = new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(Frame(key)), key);
        var batch = rig.Handler.Process([upcall], rig.Shard);
        var ukey = batch.Ops[0].Ukey!;
        Assert.Equal(UkeyState.Evicted, ukey.State);
        Assert.Equal(1, rig.Handler.Counters.PutEexist);
        Assert.Equal(3u, Assert.Single(rig.Output.Sent).Port);
        Assert.Equal(1, rig.Shard.FlowCount);
    }

    [Fact]
    public void Action_upcalls_are_routed_and_bad_ones_dropped()
    {
        var rig = new Rig();
        var key = Tcp(1, 1);
        var cookie = new SflowCookie(1, Guid.Empty, 0, 2);
        var good = new DpifUpcall(DpifUpcallType.Action, new ByteBlob(Frame(key)), key, Userdata: new ByteBlob(cookie.ToBytes()));
        var bad = new DpifUpcall(DpifUpcallType.Action, new ByteBlob(Frame(key)), key, Userdata: new ByteBlob(new byte[52]));
        var batch = rig.Handler.Handle([good, bad]);
        Assert.Empty(batch.Ops);
        Assert.Same(good, Assert.Single(batch.Routed));
        Assert.Equal(1, rig.Handler.Counters.Bad);
        Assert.Equal(0, rig.Xlate.Calls);
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Handler.Handle(Enumerable.Repeat(good, 65).ToList()));
    }

    [Fact]
    public void Evicted_ukey_with_the_same_key_is_replaced()
    {
        var rig = new Rig();
        rig.Xlate.Add(new Match(Tcp(1, Ip("10.1.0.0")), Mask(16, inPort: false)), 100, Out(2));
        var ups = rig.Send(Tcp(1, Ip("10.1.2.3")));
        var first = rig.Handler.Process(ups, rig.Shard).Ops[0].Ukey!;
        first.TransitionTo(UkeyState.Evicting);
        first.TransitionTo(UkeyState.Evicted);
        rig.Shard.Delete(new DpifFlowDel(Ufid: first.Ufid));
        first.DumpSeq = 77;
        var second = rig.Handler.Process(ups, rig.Shard).Ops[0].Ukey!;
        Assert.NotSame(first, second);
        Assert.Equal(UkeyState.Deleted, first.State);
        Assert.Equal(UkeyState.Operational, second.State);
        Assert.Equal(77UL, second.DumpSeq);
        Assert.Same(second, rig.Udpif.Ukeys.Find(first.Ufid));
        Assert.Equal(1, rig.Handler.Counters.Replaced);
    }

    [Fact]
    public void Ukey_state_transitions_vector_item_18()
    {
        Ukey U() => new(new Ufid(1), default, default, DpActions.Empty, [], 0, 0, 0);
        var u = U();
        Assert.Equal(UkeyTransition.Changed, u.TransitionTo(UkeyState.Visible));   // CREATED→VISIBLE
        var v = U();
        v.TransitionTo(UkeyState.Visible);
        Assert.Equal(UkeyTransition.Changed, v.TransitionTo(UkeyState.Evicted));   // VISIBLE→EVICTED
        var o = U();
        o.TransitionTo(UkeyState.Visible);
        o.TransitionTo(UkeyState.Operational);
        Assert.Equal(UkeyTransition.NoOp, o.TransitionTo(UkeyState.Operational)); // no-op
        Assert.Equal(UkeyTransition.Invalid, o.TransitionTo(UkeyState.Evicted));   // warning, unchanged
        Assert.Equal(UkeyState.Operational, o.State);
        Assert.Equal(UkeyTransition.Changed, o.TransitionTo(UkeyState.Evicting));  // OPERATIONAL→EVICTING
        Assert.Equal(UkeyTransition.Changed, o.TransitionTo(UkeyState.Evicted));
        Assert.Throws<InvalidOperationException>(() => o.TransitionTo(UkeyState.Operational)); // backwards: fatal
        var c = U();
        Assert.Equal(UkeyTransition.Invalid, c.TransitionTo(UkeyState.Operational)); // CREATED→OPERATIONAL skip
        Assert.Equal(UkeyState.Created, c.State);
    }

    [Fact]
    public void Ufids_are_stable_per_key_and_uuid_v4_shaped()
    {
        var g = new UfidGenerator(1);
        var a = g.Compute(Tcp(1, 1));
        Assert.Equal(a, g.Compute(Tcp(1, 1)));
        Assert.NotEqual(a, g.Compute(Tcp(1, 2)));
        Assert.NotEqual(a, new UfidGenerator(2).Compute(Tcp(1, 1)));
        var text = a.ToString();
        Assert.Equal('4', text[14]);
        Assert.Contains(text[19], "89ab");
        Assert.Equal(UfidGenerator.Default.Compute(Tcp(3, 3)), UfidGenerator.Default.Compute(Tcp(3, 3)));
    }

    [Fact]
    public void Ukey_map_shards_and_conflicts()
    {
        var map = new UkeyMap(8);
        var a = new Ukey(new Ufid(9), Tcp(1, 1), default, DpActions.Empty, [], 0, 0, 0);
        var b = new Ukey(new Ufid(9), Tcp(1, 2), default, DpActions.Empty, [], 0, 0, 0);
        Assert.Equal(UkeyInsertResult.Inserted, map.TryInsert(a));
        Assert.Equal(UkeyInsertResult.Conflict, map.TryInsert(b));
        Assert.Equal(1, map.Count);
        Assert.Equal(1, map.ShardOf(new Ufid(9)));
        Assert.Single(map.Snapshot(1));
        a.TransitionTo(UkeyState.Evicted);
        Assert.True(map.Remove(a));
        Assert.False(map.Remove(a));
        Assert.Equal(UkeyState.Deleted, a.State);
        Assert.Equal(0, map.Count);
    }
}
