using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Remoting.Wire;
using Xunit;

namespace VSwarm.Tests.Cluster.Remoting;

public class LinkFrameCodecTests
{
    private const string Target = "vswarm://b/user/bridges/br1";

    [Fact]
    public void Every_frame_kind_round_trips_with_its_exact_size() =>
        Prop.ForAll(FrameGen.Arb(FrameGen.Frame), f =>
        {
            var bytes = FrameGen.Encode(f, seq: 42);
            Assert.Equal(0, bytes.Length % 4);
            Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            var back = LinkFrameCodec.Decode(bytes, out var seq);
            Assert.Equal(42u, seq);
            FrameGen.AssertSame(f, back);
            Assert.Equal(bytes, FrameGen.Encode(back, 42));
        }).Check(FrameGen.Quick);

    [Fact]
    public void Large_payloads_are_cut_into_consecutive_payload_attributes()
    {
        var payload = new byte[(2 * LinkNetlink.MaxAttrPayload) + 5];
        new Random(3).NextBytes(payload);
        var bytes = FrameGen.Encode(new EnvelopeFrame(Target, null, 7, payload));
        var back = (EnvelopeFrame)LinkFrameCodec.Decode(bytes);
        Assert.Equal(payload, back.Payload.ToArray());
        Assert.Equal(LinkFrameCodec.MeasureEnvelope(Encoding.UTF8.GetByteCount(Target), -1, payload.Length), bytes.Length);
    }

    [Fact]
    public void Envelope_layout_is_nlmsghdr_then_target_sender_type_payload()
    {
        var bytes = FrameGen.Encode(new EnvelopeFrame("vswarm://b/user/x", "vswarm://a/user/y", 0x0102, new byte[] { 9, 8, 7 }), seq: 5);
        Assert.Equal(LinkNetlink.TypeEnvelope, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        // First attribute: VS_ENV_TARGET, "vswarm://b/user/x\0" = 18 bytes -> nla_len 22, padded to 24.
        Assert.Equal(22, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(LinkNetlink.AttrTarget, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)));
        Assert.Equal(LinkNetlink.AttrSender, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16 + 24 + 2)));
        // Last attribute: the 3 payload bytes.
        Assert.Equal(new byte[] { 7, 0, 4, 0, 9, 8, 7, 0 }, bytes[^8..]);
    }

    [Fact]
    public void Frame_size_limit_is_checked_from_the_length_prefix()
    {
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 2_000_000);
        var ex = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.TryReadLength(new ReadOnlySequence<byte>(header), 1 << 20, out _));
        Assert.Contains("exceeds the frame size limit of 1048576 bytes", ex.Message, StringComparison.Ordinal);

        BinaryPrimitives.WriteUInt32LittleEndian(header, 8);
        ex = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.TryReadLength(new ReadOnlySequence<byte>(header), 1 << 20, out _));
        Assert.Contains("below the 16-byte header", ex.Message, StringComparison.Ordinal);

        Assert.False(LinkFrameCodec.TryReadLength(new ReadOnlySequence<byte>(header[..3]), 1 << 20, out _));
        BinaryPrimitives.WriteUInt32LittleEndian(header, 16);
        Assert.True(LinkFrameCodec.TryReadLength(new ReadOnlySequence<byte>(header), 1 << 20, out var len));
        Assert.Equal(16, len);
    }

    private static LinkFrameException Bad(byte[] bytes) => Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(bytes));

    private static byte[] ValidEnvelope() => FrameGen.Encode(new EnvelopeFrame(Target, "vswarm://a/user/y", 3, new byte[] { 1, 2, 3, 4 }));

    [Fact]
    public void Truncated_or_mislabelled_headers_are_refused()
    {
        Assert.Contains("truncated nlmsghdr", Bad(new byte[10]).Message, StringComparison.Ordinal);
        var env = ValidEnvelope();
        Assert.Contains("does not match", Bad(env[..^4]).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt16LittleEndian(env.AsSpan(4), 0x1234);
        var ex = Bad(env);
        Assert.Equal(4, ex.Offset);
        Assert.Contains("unknown frame type 0x1234", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_attribute_is_named_with_its_offset()
    {
        var env = ValidEnvelope();
        BinaryPrimitives.WriteUInt16LittleEndian(env.AsSpan(16), 2); // nla_len below the header
        var ex = Bad(env);
        Assert.Equal(16, ex.Offset);
        Assert.Equal("VS_ENV_TARGET", ex.Attribute);

        env = ValidEnvelope();
        BinaryPrimitives.WriteUInt16LittleEndian(env.AsSpan(16), 4000); // runs past the end
        ex = Bad(env);
        Assert.Equal(16, ex.Offset);
        Assert.Contains("runs past the end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_must_be_nul_terminated_utf8_vswarm_paths()
    {
        var env = ValidEnvelope();
        // The target's NUL terminator sits at 16 + 4 + 27.
        env[16 + 4 + 27] = (byte)'x';
        Assert.Contains("not NUL-terminated", Bad(env).Message, StringComparison.Ordinal);

        env = ValidEnvelope();
        env[16 + 4] = 0xff;
        Assert.Contains("not valid UTF-8", Bad(env).Message, StringComparison.Ordinal);

        env = ValidEnvelope();
        env[16 + 4] = (byte)'x'; // "xswarm://..."
        var ex = Bad(env);
        Assert.Contains("not a vswarm:// actor path", ex.Message, StringComparison.Ordinal);
        Assert.Equal("VS_ENV_TARGET", ex.Attribute);
    }

    [Fact]
    public void Duplicate_and_missing_attributes_are_refused()
    {
        // An envelope whose sender attribute is relabelled as a second target.
        var env = ValidEnvelope();
        var senderAt = 16 + 4 + 28;
        BinaryPrimitives.WriteUInt16LittleEndian(env.AsSpan(senderAt + 2), LinkNetlink.AttrTarget);
        var ex = Bad(env);
        Assert.Equal(senderAt, ex.Offset);
        Assert.Contains("duplicate attribute", ex.Message, StringComparison.Ordinal);

        var ready = FrameGen.Encode(ReadyFrame.Instance);
        BinaryPrimitives.WriteUInt16LittleEndian(ready.AsSpan(4), LinkNetlink.TypeRefuse);
        ex = Bad(ready);
        Assert.Equal("VS_LINK_REASON", ex.Attribute);
        Assert.Contains("required attribute is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Handshake_fields_have_fixed_sizes()
    {
        var hello = FrameGen.Encode(new HelloFrame(1, "c", "a", "b", new byte[LinkNetlink.NonceLength - 1]));
        var ex = Bad(hello);
        Assert.Equal("VS_LINK_NONCE", ex.Attribute);
        Assert.Contains("expected 16 bytes, got 15", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_attributes_are_skipped()
    {
        var env = ValidEnvelope();
        var extended = new byte[env.Length + 8];
        env.CopyTo(extended, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(extended.AsSpan(env.Length), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(extended.AsSpan(env.Length + 2), 30);
        BinaryPrimitives.WriteUInt32LittleEndian(extended, (uint)extended.Length);
        var back = (EnvelopeFrame)LinkFrameCodec.Decode(extended);
        Assert.Equal(Target, back.Target);
    }

    [Fact]
    public void Fuzzed_frames_fail_only_with_LinkFrameException()
    {
        var r = new Random(12345);
        var valid = Enumerable.Range(0, 200).Select(_ => FrameGen.Encode(FrameGen.Frame(r))).Where(b => b.Length < 4096).ToArray();
        var decoded = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var b = (byte[])valid[r.Next(valid.Length)].Clone();
            var mutations = r.Next(1, 6);
            for (var m = 0; m < mutations; m++)
            {
                switch (r.Next(3))
                {
                    case 0: b[r.Next(b.Length)] = (byte)r.Next(256); break;
                    case 1: b[r.Next(b.Length)] ^= (byte)(1 << r.Next(8)); break;
                    default: b = b[..r.Next(b.Length + 1)]; break;
                }

                if (b.Length == 0)
                {
                    break;
                }
            }

            try
            {
                LinkFrameCodec.Decode(b);
                decoded++;
            }
            catch (LinkFrameException ex)
            {
                Assert.InRange(ex.Offset, 0, Math.Max(b.Length, 16));
            }
        }

        Assert.InRange(decoded, 1, 19_999);
    }
}
