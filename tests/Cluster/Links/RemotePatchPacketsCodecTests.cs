using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Messages.Netlink;
using VSwarm.Tests.Cluster.Remoting;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

public class RemotePatchPacketsCodecTests
{
    private static readonly RemoteMessageRegistry Registry = ClusterMessages.Registry;

    private static RemotePatchPackets Gen(Random r) => new(
        FrameGen.Name(r), r.NextInt64(0, long.MaxValue), FrameGen.Name(r), r.Next(0, int.MaxValue),
        [.. Enumerable.Range(0, r.Next(0, 40)).Select(_ => FrameGen.Bytes(r, r.Next(0, 1600)))]);

    private static byte[] Encode(RemotePatchPackets m)
    {
        var w = new NetlinkWriter();
        Registry.ForMessage(m)!.Encode(m, w);
        return w.ToArray();
    }

    [Fact]
    public void Is_registered_at_the_first_cluster_id_next_to_the_built_ins()
    {
        var codec = Registry.ForMessage(new RemotePatchPackets("a", 1, "b", 1, []));
        Assert.NotNull(codec);
        Assert.Equal(0x100, codec.TypeId);
        Assert.Same(codec, Registry.ForId(0x100));
        Assert.NotNull(Registry.ForId(2)); // the built-ins are still there
        Assert.Null(RemoteMessageRegistry.Default.ForId(0x100));
    }

    [Fact]
    public void Round_trips_with_the_exact_encoded_size() =>
        Prop.ForAll(FrameGen.Arb(Gen), m =>
        {
            var bytes = Encode(m);
            Assert.Equal(RemotePatchPacketsCodec.EncodedSize(m), bytes.Length);
            var back = (RemotePatchPackets)Registry.ForId(0x100)!.Decode(bytes);
            Assert.Equal((m.FromBridge, m.FencingToken, m.PeerBridge, m.PeerPort), (back.FromBridge, back.FencingToken, back.PeerBridge, back.PeerPort));
            Assert.Equal(m.Frames.Length, back.Frames.Length);
            for (var i = 0; i < m.Frames.Length; i++)
            {
                Assert.Equal(m.Frames[i], back.Frames[i]);
            }

            Assert.Equal(m.Bytes, back.Bytes);
        }).Check(FrameGen.Quick);

    [Fact]
    public void A_batch_larger_than_one_attribute_round_trips()
    {
        var frames = Enumerable.Range(0, 64).Select(i => Enumerable.Repeat((byte)i, 1500).ToArray()).ToImmutableArray();
        var m = new RemotePatchPackets("br0", 42, "br1", 2, frames);
        var bytes = Encode(m);
        Assert.True(bytes.Length > ushort.MaxValue);
        var back = (RemotePatchPackets)Registry.ForId(0x100)!.Decode(bytes);
        Assert.Equal(64, back.Frames.Length);
        Assert.Equal(frames[63], back.Frames[63]);
    }

    [Fact]
    public void Truncated_or_corrupted_payloads_fail_with_a_decode_error_only() =>
        Prop.ForAll(FrameGen.Arb(r => (Message: Gen(r), Cut: r.NextDouble(), Flip: r.Next(), Mode: r.Next(3))), t =>
        {
            var bytes = Encode(t.Message);
            var bad = t.Mode switch
            {
                0 => bytes.AsSpan(0, (int)(bytes.Length * t.Cut)).ToArray(),
                1 => Flip(bytes, t.Flip),
                _ => [.. bytes, .. bytes], // every attribute twice
            };
            try
            {
                Registry.ForId(0x100)!.Decode(bad);
            }
            catch (DpifDecodeException)
            {
                // the only failure a peer's bytes may cause
            }
        }).Check(FrameGen.Quick);

    [Theory]
    [InlineData(1, "VS_PATCH_FROM")]
    [InlineData(2, "VS_PATCH_TOKEN")]
    [InlineData(3, "VS_PATCH_PEER")]
    [InlineData(4, "VS_PATCH_PEER_PORT")]
    public void A_missing_attribute_is_named(ushort omit, string name)
    {
        var w = new NetlinkWriter();
        if (omit != 1)
        {
            PutString(w, 1, "br0");
        }

        if (omit != 2)
        {
            w.PutU64(2, 7);
        }

        if (omit != 3)
        {
            PutString(w, 3, "br1");
        }

        if (omit != 4)
        {
            w.PutU32(4, 1);
        }

        var ex = Assert.Throws<DpifDecodeException>(() => Registry.ForId(0x100)!.Decode(w.WrittenSpan));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_beyond_the_signed_range_is_refused()
    {
        var w = new NetlinkWriter();
        PutString(w, 1, "br0");
        w.PutU64(2, ulong.MaxValue);
        PutString(w, 3, "br1");
        w.PutU32(4, 1);
        var ex = Assert.Throws<DpifDecodeException>(() => Registry.ForId(0x100)!.Decode(w.WrittenSpan));
        Assert.Contains("VS_PATCH_TOKEN", ex.Message, StringComparison.Ordinal);
    }

    private static void PutString(NetlinkWriter w, ushort type, string s) =>
        w.PutBytes(type, [.. System.Text.Encoding.UTF8.GetBytes(s), 0]);

    private static byte[] Flip(byte[] bytes, int seed)
    {
        var copy = (byte[])bytes.Clone();
        if (copy.Length > 0)
        {
            copy[seed % copy.Length] ^= (byte)(1 << (seed % 8));
        }

        return copy;
    }
}
