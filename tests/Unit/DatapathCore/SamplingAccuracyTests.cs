using VSwarm.Actors.Datapath;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using Xunit;
using static VSwarm.Tests.Unit.DatapathCore.Dp;

namespace VSwarm.Tests.Unit.DatapathCore;

/// <summary>
/// sFlow's estimate is unbiased: at rate N the datapath's sample action (probability
/// 0xFFFFFFFF / N, as translation composes it) samples a flow so that samples × N estimates the
/// flow's packets within 3 standard deviations, for every one of 10 seeds.
/// </summary>
public class SamplingAccuracyTests
{
    [Theory]
    [InlineData(64u, 20_000)]
    [InlineData(400u, 50_000)]
    public void Samples_times_the_rate_estimate_the_packet_count(uint rate, int packets)
    {
        var probability = new SflowSampling(rate).Probability;
        var p = probability / (double)uint.MaxValue;
        var sigma = Math.Sqrt(packets * p * (1 - p)) * rate; // standard deviation of samples × N
        var cookie = new SflowCookie(1, Guid.Empty, 0, 2, 0xC0FFEE, SflowCookieFlags.PerFlow);
        var key = Tcp(1, Ip("10.1.2.3"));
        var frame = new Packet(Frame(key), 1);
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var rng = new XorShiftRandom(seed);
            var shard = new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = 0, UpcallQueueCapacity = packets },
                () => 0, null, rng.NextUInt32);
            var actions = DpActions.Of(new SampleAction(probability, DpActions.Of(UserspaceAction.WithCookie(7, cookie))), new OutputAction(2));
            Assert.True(shard.Put(Create(key, Mask(16), actions, 1)).Ok);
            for (var i = 0; i < packets; i++)
            {
                shard.Process(frame);
            }

            var ups = new List<DpifUpcall>();
            shard.Upcalls.Drain(ups);
            Assert.All(ups, u => Assert.Equal(UpcallKind.Sflow, u.Kind));
            var estimate = ups.Count * (double)rate;
            Assert.True(Math.Abs(estimate - packets) <= 3 * sigma,
                $"seed {seed}: {ups.Count} samples × {rate} = {estimate}, packets {packets}, 3σ = {3 * sigma:F0}");
        }
    }
}
