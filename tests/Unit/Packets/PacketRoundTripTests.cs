using System.Buffers;
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;
using Xunit;

namespace VSwarm.Tests.Unit.Packets;

public class PacketRoundTripTests
{
    private static readonly Config Cfg = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void Generated_keys_are_canonical()
    {
        Prop.ForAll(FlowGen.CanonicalKeyArb(), k => PacketBuilder.IsCanonical(k)).Check(Cfg);
        Prop.ForAll(Arb.From(FlowGen.NdKey()), k => PacketBuilder.IsCanonical(k)).Check(Cfg);
    }

    [Fact]
    public void Extract_of_Build_is_the_key_for_every_canonical_key()
    {
        var arb = Arb.From(Gen.Zip(FlowGen.CanonicalKey(), FlowGen.BuildOptions()));
        Prop.ForAll(arb, t =>
        {
            var (k, opts) = t;
            var frame = PacketBuilder.Build(k, opts);
            var back = PacketParser.Extract(frame, k.InPort);
            Assert.True(k == back, $"key  {k}\nback {back}\nframe {Convert.ToHexString(frame)}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Nd_keys_round_trip()
    {
        Prop.ForAll(Arb.From(FlowGen.NdKey()), k =>
            PacketParser.Extract(PacketBuilder.Build(k), k.InPort) == k).Check(Cfg);
    }

    [Fact]
    public void Every_build_overload_writes_the_same_frame()
    {
        var arb = Arb.From(Gen.Zip(FlowGen.CanonicalKey(), FlowGen.BuildOptions()));
        Prop.ForAll(arb, t =>
        {
            var (k, opts) = t;
            var frame = PacketBuilder.Build(k, opts);
            Assert.Equal(frame.Length, PacketBuilder.GetFrameLength(k, opts));
            var span = new byte[frame.Length + 7];
            span.AsSpan().Fill(0xEE);
            Assert.Equal(frame.Length, PacketBuilder.Build(k, span.AsSpan(), opts));
            Assert.Equal(frame, span[..frame.Length]);
            var writer = new ArrayBufferWriter<byte>();
            Assert.Equal(frame.Length, PacketBuilder.Build(k, writer, opts));
            Assert.Equal(frame, writer.WrittenSpan.ToArray());
            Assert.True(opts.NoPadding || frame.Length >= PacketBuilder.MinimumFrameLength);
        }).Check(Cfg);
    }

    [Fact]
    public void Ipv4_headers_have_a_valid_checksum_and_lengths()
    {
        var arb = Arb.From(Gen.Zip(FlowGen.Ipv4Key(), FlowGen.BuildOptions()));
        Prop.ForAll(arb, t =>
        {
            var (k, opts) = t;
            var frame = PacketBuilder.Build(k, opts with { NoPadding = true });
            var ip = frame.AsSpan((k.VlanTci != 0 ? 18 : 14)..);
            Assert.Equal(0xFFFF, OnesSum(ip[..20]));
            Assert.Equal(ip.Length, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
            if (k.NwFrag == 0 && k.NwProto is PacketParser.ProtoTcp or PacketParser.ProtoUdp)
            {
                // L4 checksum including the pseudo-header sums to all ones.
                var pseudo = OnesSum(ip.Slice(12, 8)) + k.NwProto + (ip.Length - 20);
                Assert.Equal(0xFFFF, Fold(pseudo + OnesSum(ip[20..])));
            }
        }).Check(Cfg);
    }

    [Fact]
    public void Ipv6_payload_length_and_l4_checksums_are_valid()
    {
        var arb = Arb.From(Gen.Zip(FlowGen.Ipv6Key(), FlowGen.BuildOptions()));
        Prop.ForAll(arb, t =>
        {
            var (k, opts) = t;
            var frame = PacketBuilder.Build(k, opts with { NoPadding = true, Ipv6Extensions = Ipv6ExtensionHeaders.None });
            var ip = frame.AsSpan((k.VlanTci != 0 ? 18 : 14)..);
            Assert.Equal(ip.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
            if (k.NwFrag == 0 && k.NwProto is PacketParser.ProtoTcp or PacketParser.ProtoUdp or PacketParser.ProtoIcmpv6)
            {
                var pseudo = OnesSum(ip.Slice(8, 32)) + k.NwProto + (ip.Length - 40);
                Assert.Equal(0xFFFF, Fold(pseudo + OnesSum(ip[40..])));
            }
        }).Check(Cfg);
    }

    [Fact]
    public void Every_truncation_of_a_frame_parses_as_far_as_valid()
    {
        // Each field of the key of a truncated frame is either the full frame's value or 0,
        // except dl_type (a cut VLAN tag leaves the TPID) and nw_proto (a cut IPv6 extension
        // header leaves its type); in_port is kept.
        var arb = Arb.From(Gen.Zip(FlowGen.CanonicalKey(), FlowGen.BuildOptions()));
        Prop.ForAll(arb, t =>
        {
            var (k, opts) = t;
            var frame = PacketBuilder.Build(k, opts with { NoPadding = true, PayloadLength = 0 });
            for (var n = 0; n <= frame.Length; n++)
            {
                var cut = PacketParser.Extract(frame.AsSpan(0, n), k.InPort);
                Assert.Equal(k.InPort, cut.InPort);
                foreach (var f in FlowFields.All)
                {
                    if (f == FlowFields.DlType || f == FlowFields.NwProto)
                    {
                        continue;
                    }

                    var v = cut.Get(f);
                    Assert.True(v == UInt128.Zero || v == k.Get(f), $"{f} after {n} of {frame.Length} bytes: {cut} vs {k}");
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Extract_never_throws_on_random_or_corrupted_bytes()
    {
        var random = Gen.ArrayOf(FlowGen.U8);
        var corrupted =
            from k in FlowGen.CanonicalKey()
            from opts in FlowGen.BuildOptions()
            from flips in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 200), FlowGen.U8), 4)
            select Corrupt(PacketBuilder.Build(k, opts), flips);
        Prop.ForAll(Arb.From(Gen.OneOf(random, corrupted)), bytes =>
        {
            var k = PacketParser.Extract(bytes, 9);
            return k.InPort == 9 && k.RecircId == 0;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void Extract_overwrites_the_whole_key()
    {
        var dirty = default(FlowKey);
        dirty.Words.Fill(ulong.MaxValue);
        PacketParser.Extract([], 3, ref dirty);
        var expected = default(FlowKey);
        expected.InPort = 3;
        Assert.Equal(expected, dirty);
    }

    private static byte[] Corrupt(byte[] frame, (int At, byte Value)[] flips)
    {
        foreach (var (at, value) in flips)
        {
            if (at < frame.Length)
            {
                frame[at] = value;
            }
        }

        return frame;
    }

    private static int OnesSum(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
        }

        return Fold(sum);
    }

    private static int Fold(long sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (int)sum;
    }
}
