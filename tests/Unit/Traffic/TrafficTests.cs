using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Traffic;
using VSwarm.Messages.Packets;
using Xunit;

namespace VSwarm.Tests.Unit.Traffic;

public class TrafficTests
{
    [Fact]
    public void Zipf_probabilities_sum_to_one_and_fall_with_rank()
    {
        Prop.ForAll(Gen.Choose(1, 2000).ToArbitrary(), Gen.Elements(0.0, 0.5, 1.0, 1.2, 2.0).ToArbitrary(), (n, s) =>
        {
            var z = new ZipfSampler(n, s);
            var total = Enumerable.Range(0, n).Sum(z.Probability);
            Assert.InRange(total, 1 - 1e-9, 1 + 1e-9);
            for (var k = 1; k < n; k++)
            {
                Assert.True(z.Probability(k) <= z.Probability(k - 1) + 1e-15);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void Zipf_draws_follow_the_distribution()
    {
        var z = new ZipfSampler(100, 1.0);
        var rng = new Random(7);
        var counts = new int[100];
        const int draws = 200_000;
        for (var i = 0; i < draws; i++)
        {
            counts[z.Next(rng)]++;
        }

        // The head ranks carry most of the mass; each observed share is within 5 % (relative) of p(k).
        for (var k = 0; k < 5; k++)
        {
            var share = counts[k] / (double)draws;
            Assert.InRange(share, z.Probability(k) * 0.95, z.Probability(k) * 1.05);
        }

        Assert.True(counts[0] > counts[9] * 5);
    }

    [Fact]
    public void Flow_sets_are_distinct_repeatable_and_their_frames_parse_back()
    {
        var spec = new FlowSetSpec([1, 2], ["tcp", "udp", "icmp"], "10.1.0.0/16", "192.168.0.0/24", [80, 443], 128);
        var a = new FlowSet(spec, 500, seed: 3);
        var b = new FlowSet(spec, 500, seed: 3);
        Assert.Equal(500, a.Count);
        Assert.Equal(500, Enumerable.Range(0, a.Count).Select(a.Key).Distinct().Count());
        for (var i = 0; i < a.Count; i++)
        {
            var k = a.Key(i);
            Assert.Equal(k, b.Key(i));
            Assert.Equal(k, PacketParser.Extract(a.Frame(i), k.InPort));
            Assert.Equal(128, a.Frame(i).Length);
            Assert.Equal(0x0A01u, k.NwSrc >> 16);
            Assert.Equal(0xC0A800u, k.NwDst >> 8);
            if (k.NwProto != 1)
            {
                Assert.Contains(k.TpDst, new ushort[] { 80, 443 });
            }
        }
    }

    [Fact]
    public void Impossible_flow_sets_are_refused_with_a_reason()
    {
        var tiny = new FlowSetSpec([1], ["icmp"], "10.0.0.1/32", "10.0.0.2/32");
        var e = Assert.Throws<ArgumentException>(() => new FlowSet(tiny, 10, 1));
        Assert.Contains("cannot draw 10 distinct flows", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new FlowSet(tiny with { Protocols = ["gre"] }, 1, 1));
    }
}
