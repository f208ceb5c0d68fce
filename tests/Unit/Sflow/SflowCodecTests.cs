using System.Net;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Sflow;
using Xunit;

namespace VSwarm.Tests.Unit.Sflow;

public class SflowCodecTests
{
    [Fact]
    public void Encode_datagram_A_from_records_is_byte_exact()
    {
        var a = SflowGolden.DatagramA();
        Assert.Equal(288, SflowEncoder.GetSize(a));
        Assert.Equal(SflowGolden.Bytes("datagram_A.bin"), SflowEncoder.Encode(a));
    }

    [Fact]
    public void Decode_datagram_A_gives_every_field_of_the_listing()
    {
        var d = SflowDecoder.Decode(SflowGolden.Bytes("datagram_A.bin"));
        Assert.Equal(IPAddress.Parse("192.0.2.10"), d.Agent);
        Assert.Equal(0u, d.SubAgentId);
        Assert.Equal(1u, d.SequenceNumber);
        Assert.Equal(123456u, d.UptimeMs);
        Assert.Equal(2, d.Samples.Count);

        var f = Assert.IsType<SflowFlowSample>(d.Samples[0]);
        Assert.False(f.Expanded);
        Assert.Equal(1u, f.Format);
        Assert.Equal((1u, 0u, 3u, 400u, 400u, 0u), (f.SequenceNumber, f.SourceIdType, f.SourceIdIndex, f.SamplingRate, f.SamplePool, f.Drops));
        Assert.Equal(new SflowInterface(0, 3), f.Input);
        Assert.Equal(new SflowInterface(0, 4), f.Output);
        Assert.Equal(2, f.Records.Count);
        var h = Assert.IsType<SflowSampledHeader>(f.Records[0]);
        Assert.Equal((1u, 1518u, 4u), (h.Protocol, h.FrameLength, h.Stripped));
        Assert.Equal(54, h.Header.Length);
        Assert.Equal(SflowGolden.HeaderA, h.Header);
        Assert.Equal(new SflowExtendedSwitch(10, 0, 10, 0), f.Records[1]);

        var c = Assert.IsType<SflowCountersSample>(d.Samples[1]);
        Assert.Equal((1u, 0u, 3u, false), (c.SequenceNumber, c.SourceIdType, c.SourceIdIndex, c.Expanded));
        var i = Assert.IsType<SflowIfCounters>(Assert.Single(c.Records));
        var expected = (SflowIfCounters)((SflowCountersSample)SflowGolden.DatagramA().Samples[1]).Records[0];
        Assert.Equal(expected, i);
        Assert.Equal(3u, i.IfIndex);
        Assert.Equal(6u, i.IfType);
        Assert.Equal(10_000_000_000ul, i.IfSpeed);
        Assert.Equal(1u, i.IfDirection);
        Assert.Equal(3u, i.IfStatus);
        Assert.Equal(123456789012ul, i.IfInOctets);
        Assert.Equal((1000u, 10u, 5u, 0u, 0u, 0u), (i.IfInUcastPkts, i.IfInMulticastPkts, i.IfInBroadcastPkts, i.IfInDiscards, i.IfInErrors, i.IfInUnknownProtos));
        Assert.Equal(98765ul, i.IfOutOctets);
        Assert.Equal((500u, 0xFFFFFFFFu, 0xFFFFFFFFu, 0u, 0u, 0u), (i.IfOutUcastPkts, i.IfOutMulticastPkts, i.IfOutBroadcastPkts, i.IfOutDiscards, i.IfOutErrors, i.IfPromiscuousMode));
    }

    [Fact]
    public void Decode_datagram_B_expanded_IPv6_and_unknown_records_skipped_by_length()
    {
        var bytes = SflowGolden.Bytes("datagram_B.bin");
        var d = SflowDecoder.Decode(bytes);
        Assert.Equal(IPAddress.Parse("2001:db8::10"), d.Agent);
        Assert.Equal((1u, 1u, 223456u, 3), (d.SubAgentId, d.SequenceNumber, d.UptimeMs, d.Samples.Count));
        var f1 = Assert.IsType<SflowFlowSample>(d.Samples[0]);
        Assert.True(f1.Expanded);
        Assert.Equal((7u, 2u, 1000u, 1u, 7u), (f1.SequenceNumber, f1.SourceIdType, f1.SourceIdIndex, f1.SamplingRate, f1.SamplePool));
        Assert.Equal(new SflowInterface(0, 3), f1.Input);
        Assert.Equal(new SflowInterface(2, 2), f1.Output);
        Assert.Equal([1u, 3u, 1001u, 1002u, 1003u, 1017u], f1.Records.Select(r => r.Format));
        Assert.Equal(new SflowExtendedSwitch(100, 0, 200, 5), f1.Records[2]);
        var openflow = Assert.IsType<SflowUnknownFlowRecord>(f1.Records[5]);
        Assert.Equal("deadbeefcafef00d", Convert.ToHexStringLower(openflow.Body.AsSpan(0, 8)));
        var f2 = Assert.IsType<SflowFlowSample>(d.Samples[1]);
        Assert.Equal(new SflowInterface(1, 258), f2.Output);
        var c = Assert.IsType<SflowCountersSample>(d.Samples[2]);
        Assert.True(c.Expanded);
        Assert.Equal([1u, 2u, 1001u], c.Records.Select(r => r.Format));
        Assert.All(Assert.IsType<SflowEthernetCounters>(c.Records[1]).Counters, v => Assert.Equal(0u, v));
        Assert.Equal(bytes, SflowEncoder.Encode(d));
    }

    [Fact]
    public void Decode_datagram_C_compact_special_values()
    {
        var bytes = SflowGolden.Bytes("datagram_C.bin");
        var d = SflowDecoder.Decode(bytes);
        var s = d.Samples.Cast<SflowFlowSample>().ToList();
        Assert.Equal(0x80000002u, s[0].Output.CompactWord);
        Assert.Equal(new SflowInterface(2, 2), s[0].Output);
        Assert.Equal(new SflowInterface(1, 258), s[1].Output);
        Assert.Equal([2u, 3u], s[1].Records.Select(r => r.Format));
        Assert.Equal(0x3FFFFFFFu, s[2].Input.CompactWord);
        Assert.Equal((13u, 2u, 1000u, 64u, 768u, 1u), (s[2].SequenceNumber, s[2].SourceIdType, s[2].SourceIdIndex, s[2].SamplingRate, s[2].SamplePool, s[2].Drops));
        Assert.Equal(bytes, SflowEncoder.Encode(d));
    }

    [Fact]
    public void Bad_sample_length_is_reported_at_the_next_sample_offset()
    {
        var a = SflowGolden.Bytes("datagram_A.bin");
        a[0x23] = 0x8c; // flow sample length 136 -> 140, as negative_badlen
        var e = Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a));
        Assert.Equal(0xb4, e.Offset); // sample[1] now starts 4 bytes late: its "length" word is 1
        Assert.Contains("multiple of 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_datagram_is_reported_at_the_counters_sample_length()
    {
        var a = SflowGolden.Bytes("datagram_A.bin")[..280];
        var e = Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a));
        Assert.Equal(0xb0, e.Offset);
        Assert.Contains("runs past", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 0)]
    [InlineData(27, 24)]
    [InlineData(0x50, 0x20)]
    public void Short_input_names_the_offset(int length, int offset)
    {
        var a = SflowGolden.Bytes("datagram_A.bin")[..length];
        var e = Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a));
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Trailing_bytes_after_the_last_sample_are_rejected_but_inside_a_record_allowed()
    {
        var a = SflowGolden.Bytes("datagram_A.bin").Concat(new byte[4]).ToArray();
        Assert.Equal(288, Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a)).Offset);

        var d = SflowGolden.DatagramA();
        var grown = d with
        {
            Samples = [new SflowFlowSample(1, 0, 3, 1, 1, 0, default, default, [new SflowUnknownFlowRecord(1001, new byte[20])])],
        };
        var s = Assert.IsType<SflowFlowSample>(Assert.Single(SflowDecoder.Decode(SflowEncoder.Encode(grown)).Samples));
        Assert.Equal(new SflowExtendedSwitch(0, 0, 0, 0), Assert.Single(s.Records)); // a longer 1001 is read, the rest skipped
    }

    [Fact]
    public void Bad_version_and_address_type()
    {
        var a = SflowGolden.Bytes("datagram_A.bin");
        a[3] = 4;
        Assert.Equal(0, Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a)).Offset);
        a[3] = 5;
        a[7] = 0;
        Assert.Equal(4, Assert.Throws<SflowDecodeException>(() => SflowDecoder.Decode(a)).Offset);
    }

    [Fact]
    public void Compact_form_rejects_values_it_cannot_hold()
    {
        var big = new SflowDatagram(IPAddress.Loopback, 0, 1, 0,
            [new SflowCountersSample(1, 0, 1u << 24, [])]);
        Assert.Throws<ArgumentException>(() => SflowEncoder.Encode(big));
        Assert.Equal(28 + 8 + 16, SflowEncoder.Encode(big with { Samples = [new SflowCountersSample(1, 0, 1u << 24, [], Expanded: true)] }).Length);
    }

    [Fact]
    public void Fuzzed_buffers_only_ever_throw_SflowDecodeException()
    {
        var seeds = new[] { SflowGolden.Bytes("datagram_A.bin"), SflowGolden.Bytes("datagram_B.bin"), SflowGolden.Bytes("datagram_C.bin") };
        var rng = new Random(6343);
        for (var n = 0; n < 20_000; n++)
        {
            var src = seeds[n % seeds.Length];
            var buf = (byte[])src.Clone();
            var mutations = 1 + rng.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                switch (rng.Next(4))
                {
                    case 0:
                        buf[rng.Next(buf.Length)] = (byte)rng.Next(256);
                        break;
                    case 1:
                        buf[Math.Min(buf.Length - 1, (rng.Next(buf.Length) & ~3) | 3)] ^= (byte)(1 << rng.Next(8));
                        break;
                    case 2:
                        var at = rng.Next(buf.Length) & ~3;
                        buf[at] = 0xff;
                        break;
                    default:
                        buf = buf[..rng.Next(buf.Length + 1)];
                        break;
                }

                if (buf.Length == 0)
                {
                    break;
                }
            }

            try
            {
                var d = SflowDecoder.Decode(buf);
                _ = SflowDecoder.Decode(SflowEncoder.Encode(d)); // whatever decodes re-encodes and decodes again
            }
            catch (SflowDecodeException e)
            {
                Assert.InRange(e.Offset, 0, buf.Length);
            }
        }
    }

    [Fact]
    public void Round_trip_property()
    {
        var gen =
            from agent6 in ArbMap.Default.GeneratorFor<bool>()
            from sub in ArbMap.Default.GeneratorFor<uint>()
            from seq in ArbMap.Default.GeneratorFor<uint>()
            from samples in Gen.ListOf(SampleGen()).Select(l => l.Take(5).ToList())
            select new SflowDatagram(agent6 ? IPAddress.Parse("2001:db8::10") : IPAddress.Parse("192.0.2.10"), sub, seq, seq ^ sub, samples);

        Prop.ForAll(gen.ToArbitrary(), d =>
        {
            var bytes = SflowEncoder.Encode(d);
            var back = SflowDecoder.Decode(bytes);
            return bytes.Length % 4 == 0
                && bytes.Length == SflowEncoder.GetSize(d)
                && back.Agent.Equals(d.Agent) && back.SequenceNumber == d.SequenceNumber && back.Samples.Count == d.Samples.Count
                && back.Samples.Zip(d.Samples).All(p => p.First.Format == p.Second.Format)
                && SflowEncoder.Encode(back).AsSpan().SequenceEqual(bytes);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    private static Gen<SflowSample> SampleGen()
    {
        var u32 = ArbMap.Default.GeneratorFor<uint>();
        var bytes = Gen.Choose(0, 130).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n));
        var iface = Gen.Choose(0, 2).SelectMany(f => Gen.Choose(0, 0x3FFF_FFFF).Select(v => new SflowInterface((uint)f, (uint)v)));
        var flowRecord = Gen.OneOf(
            bytes.SelectMany(h => u32.Select(fl => (SflowFlowRecord)new SflowSampledHeader(1, fl, 4, h))),
            u32.Select(v => (SflowFlowRecord)new SflowExtendedSwitch(v & 0xfff, v >> 29, v >> 20, 7)),
            bytes.Select(b => (SflowFlowRecord)new SflowUnknownFlowRecord(1017, b.Take(b.Length & ~3).ToArray())));
        var counterRecord = Gen.OneOf(
            u32.Select(v => (SflowCounterRecord)new SflowIfCounters { IfIndex = v, IfSpeed = (ulong)v << 20, IfOutBroadcastPkts = ~v }),
            u32.Select(v => (SflowCounterRecord)new SflowEthernetCounters(Enumerable.Range(0, 13).Select(i => v + (uint)i).ToArray())),
            bytes.Select(b => (SflowCounterRecord)new SflowUnknownCounterRecord(2207, b.Take(b.Length & ~3).ToArray())));
        var flow =
            from expanded in ArbMap.Default.GeneratorFor<bool>()
            from seq in u32
            from type in Gen.Choose(0, 3)
            from index in Gen.Choose(0, 0xFF_FFFF)
            from input in iface
            from output in iface
            from records in Gen.ListOf(flowRecord)
            select (SflowSample)new SflowFlowSample(seq, (uint)type, (uint)index, seq | 1, seq, seq >> 3, input, output, records.Take(4).ToList(), expanded);
        var counters =
            from expanded in ArbMap.Default.GeneratorFor<bool>()
            from seq in u32
            from index in Gen.Choose(0, 0xFF_FFFF)
            from records in Gen.ListOf(counterRecord)
            select (SflowSample)new SflowCountersSample(seq, 0, (uint)index, records.Take(4).ToList(), expanded);
        return Gen.OneOf(flow, counters);
    }
}
