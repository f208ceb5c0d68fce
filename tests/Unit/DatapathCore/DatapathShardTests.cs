using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Datapath;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;
using Xunit;
using static VSwarm.Tests.Unit.DatapathCore.Dp;

namespace VSwarm.Tests.Unit.DatapathCore;

public sealed class CollectingOutput : IDatapathOutput
{
    public List<(uint Port, byte[] Frame)> Sent { get; } = [];

    public void Output(uint port, ReadOnlySpan<byte> frame) => Sent.Add((port, frame.ToArray()));
}

public class DatapathShardTests
{
    private static DatapathShard Shard(out CollectingOutput output, Func<long>? clock = null, uint emc = 1, int queue = 64, Func<uint>? random = null)
    {
        output = new CollectingOutput();
        return new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = emc, UpcallQueueCapacity = queue },
            clock ?? (() => 0), output, random);
    }

    [Fact]
    public void Miss_queues_an_upcall_then_a_put_makes_later_packets_hit_and_output()
    {
        long now = 10;
        var shard = Shard(out var output, () => now);
        var key = Tcp(1, Ip("10.1.2.3"), flags: 0x02);
        var frame = Frame(key);
        shard.Process(new Packet(frame, 1));
        Assert.Equal(1, shard.Stats.Missed);
        var ups = new List<DpifUpcall>();
        shard.Upcalls.Drain(ups);
        var up = Assert.Single(ups);
        Assert.Equal(DpifUpcallType.Miss, up.Type);
        Assert.Equal(key, up.Key);
        Assert.Equal(frame, up.Packet.Span.ToArray());

        Assert.True(shard.Put(Create(key, Mask(16), Out(2), 1)).Ok);
        now = 20;
        shard.ProcessBatch([new Packet(frame, 1), new Packet(Frame(Tcp(1, Ip("10.1.7.7"), flags: 0x10)), 1)]);
        Assert.Equal(2, shard.Stats.Hit);
        Assert.Equal(2, output.Sent.Count);
        Assert.All(output.Sent, s => Assert.Equal(2u, s.Port));
        Assert.Equal(frame, output.Sent[0].Frame);
        var stats = shard.Flows.Find(new Ufid(1))!.Stats;
        Assert.Equal(2UL, stats.Packets);
        Assert.Equal(20UL, stats.UsedMs);
        Assert.Equal((ushort)0x12, stats.TcpFlags);
    }

    [Fact]
    public void Full_upcall_queue_counts_lost_packets()
    {
        var shard = Shard(out _, queue: 3);
        var batch = Enumerable.Range(0, 10).Select(i => new Packet(Frame(Tcp(1, (uint)i)), 1)).ToArray();
        shard.ProcessBatch(batch);
        Assert.Equal(3, shard.Stats.Missed);
        Assert.Equal(7, shard.Stats.Lost);
        Assert.Equal(3, shard.Upcalls.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => shard.ProcessBatch(new Packet[33]));
    }

    [Fact]
    public void Emc_and_megaflow_counters()
    {
        var shard = Shard(out _, emc: 1);
        shard.Put(Create(Tcp(1, Ip("10.0.0.0")), Mask(8), Out(2), 1));
        shard.Put(Create(Tcp(1, Ip("11.0.0.0")), Mask(16), Out(2), 2));
        var p = new Packet(Frame(Tcp(1, Ip("11.0.3.3"))), 1);
        shard.ProcessBatch([p, p, p]);
        var s = shard.Stats;
        Assert.Equal(3, s.Hit);
        Assert.Equal(1, s.MegaflowHits);
        Assert.Equal(2, s.EmcHits);
        Assert.Equal(2, s.MaskHits);
        Assert.Equal(2, s.Masks);
    }

    [Fact]
    public void Emc_never_returns_a_deleted_or_modified_flow() =>
        Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var shard = Shard(out var output, emc: 1);
            var keys = Enumerable.Range(0, 8).Select(i => Tcp(1, Ip("10.0.0.0") + (uint)i)).ToArray();
            var frames = keys.Select(k => Frame(k)).ToArray();
            uint port = 100;
            ulong ufid = 1;
            for (var step = 0; step < 60; step++)
            {
                var i = r.Next(keys.Length);
                switch (r.Next(4))
                {
                    case 0:
                        shard.Put(Create(keys[i], Mask(r.Next(2) == 0 ? 32 : 30), Out(port++), ufid++));
                        break;
                    case 1:
                        if (shard.Flows.FindCovering(keys[i]) is { } f)
                        {
                            shard.Flows.Remove(f);
                        }

                        break;
                    case 2:
                        if (shard.Flows.FindCovering(keys[i]) is { } g)
                        {
                            shard.Put(new DpifFlowPut(FlowPutFlags.Modify, g.Match, Out(port++), g.Ufid));
                        }

                        break;
                    default:
                        var expected = shard.Flows.FindCovering(keys[i]);
                        output.Sent.Clear();
                        shard.Process(new Packet(frames[i], 1));
                        if (expected is null)
                        {
                            Assert.Empty(output.Sent);
                        }
                        else
                        {
                            // Overlapping flows can exist (the kernel check is best effort): the port
                            // must be the current action of some installed flow covering the key.
                            var live = shard.Flows.Flows.Where(f => f.Match.Matches(keys[i]))
                                .Select(f => ((OutputAction)f.Actions[0]).Port).ToList();
                            Assert.Contains(Assert.Single(output.Sent).Port, live);
                        }

                        break;
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    [Fact]
    public void Emc_insertion_probability_and_disable()
    {
        var emc = new Emc(16, 0);
        var table = new MegaflowTable();
        table.Put(Create(Tcp(1, 1), Mask(32), Out(1), 1));
        var f = table.Find(new Ufid(1))!;
        var key = Tcp(1, 1);
        Assert.False(emc.MaybeInsert(key, Emc.HashOf(key), f));
        Assert.Null(emc.Lookup(key, Emc.HashOf(key)));

        // 1/N with a generator returning values: inserted only when random <= uint.MaxValue / N.
        var values = new Queue<uint>([uint.MaxValue, 5]);
        var emc2 = new Emc(16, 100, () => values.Dequeue());
        Assert.False(emc2.MaybeInsert(key, Emc.HashOf(key), f));
        Assert.True(emc2.MaybeInsert(key, Emc.HashOf(key), f));
        Assert.Same(f, emc2.Lookup(key, Emc.HashOf(key)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Emc(100));
    }

    [Fact]
    public void Set_actions_rewrite_the_packet_and_keep_the_payload()
    {
        var shard = Shard(out var output);
        var key = Tcp(1, Ip("10.1.2.3"));
        var frame = Frame(key, 20);
        frame[^1] = 0xAB;
        var nat = key;
        nat.NwDst = Ip("192.168.0.9");
        var natMask = default(FlowMask);
        natMask.Unwildcard(FlowFields.NwDst);
        var ports = key;
        ports.TpDst = 8080;
        var actions = DpActions.Of(new OutputAction(1), new SetMaskedAction(OvsKeyAttr.Ipv4, nat, natMask),
            new SetAction(OvsKeyAttr.Tcp, ports), new OutputAction(2));
        shard.Put(Create(key, Mask(16), actions, 1));
        shard.Process(new Packet(frame, 1));
        Assert.Equal(2, output.Sent.Count);
        Assert.Equal(frame, output.Sent[0].Frame);
        var rewritten = PacketParser.Extract(output.Sent[1].Frame, 1);
        Assert.Equal(Ip("192.168.0.9"), rewritten.NwDst);
        Assert.Equal((ushort)8080, rewritten.TpDst);
        Assert.Equal(key.NwSrc, rewritten.NwSrc);
        Assert.Equal(frame.Length, output.Sent[1].Frame.Length);
        Assert.Equal(0xAB, output.Sent[1].Frame[^1]);
        Assert.Equal(Ip("10.1.2.3"), PacketParser.Extract(frame, 1).NwDst); // caller's frame untouched
    }

    [Fact]
    public void Push_and_pop_vlan()
    {
        var shard = Shard(out var output);
        var key = Tcp(1, Ip("10.1.2.3"));
        shard.Put(Create(key, Mask(16), DpActions.Of(new PushVlanAction(0x8100, 0x1000 | 10), new OutputAction(2), PopVlanAction.Instance, new OutputAction(3)), 1));
        var frame = Frame(key);
        shard.Process(new Packet(frame, 1));
        var tagged = PacketParser.Extract(output.Sent[0].Frame, 2);
        Assert.Equal((ushort)(0x1000 | 10), tagged.VlanTci);
        Assert.Equal((ushort)0x0800, tagged.DlType);
        Assert.Equal(frame.Length + 4, output.Sent[0].Frame.Length);
        Assert.Equal(frame, output.Sent[1].Frame);
    }

    [Fact]
    public void Sample_and_userspace_actions_produce_action_upcalls_with_the_cookie()
    {
        var draws = new Queue<uint>([100, 50, 200]);
        var shard = Shard(out var output, emc: 0, random: () => draws.Dequeue());
        var cookie = new SflowCookie(1, Guid.Empty, 0, 2, 0xC0FFEE);
        var sample = new SampleAction(150, DpActions.Of(UserspaceAction.WithCookie(7, cookie, includeActions: true)));
        var key = Tcp(1, Ip("10.1.2.3"));
        var actions = DpActions.Of(sample, new OutputAction(2));
        shard.Put(Create(key, Mask(16), actions, 1));
        var p = new Packet(Frame(key), 1);
        shard.ProcessBatch([p, p, p]); // draws 100 ≤ 150 yes, 50 yes, 200 no
        Assert.Equal(3, output.Sent.Count);
        Assert.Equal(2, shard.Stats.ActionUpcalls);
        var ups = new List<DpifUpcall>();
        shard.Upcalls.Drain(ups);
        Assert.Equal(2, ups.Count);
        Assert.All(ups, u =>
        {
            Assert.Equal(UpcallKind.Sflow, u.Kind);
            Assert.Equal(0xC0FFEEUL, ((SflowCookie)u.Cookie!).RuleCookie);
            Assert.Equal(actions, u.Actions);
        });

        // Probability 0xFFFFFFFF never draws; a bare userspace action always upcalls.
        var shard2 = Shard(out _, random: () => throw new InvalidOperationException("no draw expected"));
        shard2.Put(Create(key, Mask(16), DpActions.Of(new SampleAction(uint.MaxValue, DpActions.Of(UserspaceAction.WithCookie(7, cookie))),
            UserspaceAction.WithCookie(7, cookie)), 1));
        shard2.Process(p);
        Assert.Equal(2, shard2.Upcalls.Count);
    }

    [Fact]
    public void Execute_runs_actions_without_installing_and_recirc_looks_up_again()
    {
        var shard = Shard(out var output);
        var key = Tcp(3, Ip("10.1.2.3"));
        var reply = shard.Execute(new DpifExecute(new ByteBlob(Frame(key)), key, DpActions.Of(new OutputAction(4), new TruncAction(20), new OutputAction(5))));
        Assert.True(reply.Ok);
        Assert.Equal(0, shard.FlowCount);
        Assert.Equal(2, output.Sent.Count);
        Assert.Equal(20, output.Sent[1].Frame.Length);

        // recirc(5): the packet is looked up again with recirc_id 5.
        var r5 = key;
        r5.RecircId = 5;
        shard.Put(Create(r5, Mask(16), Out(9), 2));
        shard.Put(Create(key, Mask(16), DpActions.Of(new RecircAction(5)), 3));
        output.Sent.Clear();
        shard.Process(new Packet(Frame(key), 3));
        Assert.Equal(9u, Assert.Single(output.Sent).Port);
        Assert.Equal(2, shard.Stats.Hit);
    }
}
