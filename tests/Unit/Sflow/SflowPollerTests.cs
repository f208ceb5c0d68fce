using System.Net;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Sflow;
using Xunit;

namespace VSwarm.Tests.Unit.Sflow;

/// <summary>The per-port counter poller as a plain class (ticks are its clock, the random is injected).</summary>
public sealed class SflowPollerTests
{
    /// <summary>The ticks (1-based) at which the poller is due within <paramref name="ticks"/> seconds.</summary>
    private static List<int> DueTicks(SflowPoller poller, int ticks) =>
        [.. Enumerable.Range(1, ticks).Where(_ => poller.Tick())];

    [Fact]
    public void Polls_every_interval_after_a_first_countdown_in_range()
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var p = new SflowPoller(1, 30, random);
            Assert.InRange(p.Countdown, 0, 29);
            var first = p.Countdown + 1;
            Assert.Equal([first, first + 30, first + 60, first + 90], DueTicks(p, 120));
        }
    }

    [Fact]
    public void First_countdowns_are_spread_and_reproducible_with_a_seed()
    {
        var a = Enumerable.Range(0, 40).Select(i => new SflowPoller((uint)i + 1, 30, new Random(42 + i)).Countdown).ToList();
        var random = new Random(42);
        var one = Enumerable.Range(0, 40).Select(i => new SflowPoller((uint)i + 1, 30, random).Countdown).ToList();
        var again = new Random(42);
        Assert.Equal(one, Enumerable.Range(0, 40).Select(i => new SflowPoller((uint)i + 1, 30, again).Countdown).ToList());
        Assert.True(one.Distinct().Count() > 10, "countdowns from one random should not be in step");
        Assert.True(a.Distinct().Count() > 10);
        Assert.All(one, c => Assert.InRange(c, 0, 29));
    }

    [Fact]
    public void Interval_zero_disables_polling_and_interval_one_polls_every_tick()
    {
        var off = new SflowPoller(1, 0, new Random(1));
        Assert.False(off.Enabled);
        Assert.Empty(DueTicks(off, 100));
        var every = new SflowPoller(1, 1, new Random(1));
        Assert.Equal(Enumerable.Range(1, 5), DueTicks(every, 5));
    }

    [Fact]
    public void Sequence_numbers_count_each_sample_of_the_source()
    {
        var p = new SflowPoller(1004, 30, new Random(1));
        var q = new SflowPoller(1003, 30, new Random(1));
        Assert.Equal(0u, p.SequenceNumber);
        Assert.Equal([1u, 2u, 3u], Enumerable.Range(0, 3).Select(_ => p.Poll(PortCounters.Zero).SequenceNumber));
        Assert.Equal(1u, q.Poll(PortCounters.Zero).SequenceNumber);
        Assert.Equal(3u, p.SequenceNumber);
    }

    [Fact]
    public void Counters_come_from_the_port_counters()
    {
        var p = new SflowPoller(1004, 30, new Random(1), ifSpeed: 10_000_000_000);
        var s = p.Poll(new PortCounters(RxPackets: 10, RxBytes: 5_000_000_000, TxPackets: 7, TxBytes: 700, Drops: 3));
        Assert.Equal((1u, 0u, 1004u, false), (s.SequenceNumber, s.SourceIdType, s.SourceIdIndex, s.Expanded));
        Assert.Equal([SflowFormats.EthernetCounters, SflowFormats.IfCounters], s.Records.Select(r => r.Format));
        Assert.Equal(new uint[13], ((SflowEthernetCounters)s.Records[0]).Counters);
        var c = (SflowIfCounters)s.Records[1];
        Assert.Equal((1004u, 6u, 10_000_000_000ul, 1u, 3u), (c.IfIndex, c.IfType, c.IfSpeed, c.IfDirection, c.IfStatus));
        Assert.Equal((5_000_000_000ul, 10u, 3u, 0u), (c.IfInOctets, c.IfInUcastPkts, c.IfInDiscards, c.IfInErrors));
        Assert.Equal((700ul, 7u, 0u, 0u, 0u), (c.IfOutOctets, c.IfOutUcastPkts, c.IfOutDiscards, c.IfOutErrors, c.IfPromiscuousMode));
        Assert.Equal((uint.MaxValue, uint.MaxValue, uint.MaxValue), (c.IfInMulticastPkts, c.IfInBroadcastPkts, c.IfInUnknownProtos));
        Assert.Equal((uint.MaxValue, uint.MaxValue), (c.IfOutMulticastPkts, c.IfOutBroadcastPkts));
    }

    [Fact]
    public void Counter_samples_encode_and_decode_back_through_the_receiver()
    {
        var sent = new List<byte[]>();
        long now = 0;
        var receiver = new SflowReceiver(IPAddress.Parse("192.0.2.1"), 0, () => now, sent.Add);
        var p = new SflowPoller(1004, 30, new Random(1));
        var first = p.Poll(new PortCounters(1, 100, 2, 200, 0));
        var second = p.Poll(new PortCounters(3, 300, 4, 400, 1));
        Assert.True(receiver.Add(first));
        Assert.True(receiver.Add(second));
        Assert.Equal(28 + (2 * (8 + 12 + 8 + 52 + 8 + 88)), receiver.PendingSize);
        now = 1000;
        receiver.Tick();
        var d = SflowDecoder.Decode(Assert.Single(sent));
        Assert.Equal(2, d.Samples.Count);
        var decoded = d.Samples.Cast<SflowCountersSample>().ToList();
        Assert.Equal([1u, 2u], decoded.Select(s => s.SequenceNumber));
        Assert.All(decoded, s => Assert.Equal((0u, 1004u), (s.SourceIdType, s.SourceIdIndex)));
        Assert.Equal(((SflowIfCounters)second.Records[1]) with { }, (SflowIfCounters)decoded[1].Records[1]);
        Assert.Equal(((SflowEthernetCounters)second.Records[0]).Counters, ((SflowEthernetCounters)decoded[1].Records[0]).Counters);
    }

    [Fact]
    public void Rejects_an_ifindex_beyond_the_compact_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SflowPoller(1u << 24, 30, new Random(1)));
    }
}
