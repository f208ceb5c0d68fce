using VSwarm.Messages.Netlink;
using Xunit;

namespace VSwarm.Tests.Unit.Netlink;

public class NetlinkTests
{
    [Fact]
    public void Message_framing_has_exact_header_sizes_and_back_patched_length()
    {
        var w = new NetlinkWriter(8);
        var s = w.BeginMessage(0x22, Nl.FRequest | Nl.FCreate, seq: 5, pid: 6);
        w.PutGenlHeader(1, 1);
        w.PutOvsHeader(3);
        w.PutU32(3, 0xdeadbeef);
        w.EndMessage(s);
        Assert.Equal(Nl.OvsPreambleSize + 8, w.Length);
        Assert.Equal((uint)w.Length, BitConverter.ToUInt32(w.WrittenSpan));
        var mr = new NetlinkMessageReader(w.WrittenSpan);
        Assert.True(mr.TryRead(out var msg));
        Assert.Equal(new NetlinkMessageHeader(32, 0x22, Nl.FRequest | Nl.FCreate, 5, 6), msg.Header);
        var r = msg.ReadOvs(NlAttrSpace.Anonymous, out var genl, out var dp);
        Assert.Equal(new GenlHeader(1, 1), genl);
        Assert.Equal(3, dp);
        Assert.True(r.TryRead(out var a));
        Assert.Equal(24, a.Offset);
        Assert.Equal(0xdeadbeefu, a.U32());
        Assert.False(r.TryRead(out _));
        Assert.False(mr.TryRead(out _));
    }

    [Fact]
    public void Typed_attributes_use_host_or_network_order_and_pad_to_four_bytes()
    {
        var w = new NetlinkWriter();
        w.PutU8(1, 0xab);
        w.PutU16(2, 0x1234);
        w.PutBe16(3, 0x1234);
        w.PutBe32(4, 0x0a010203);
        w.PutU64(5, 0x0102030405060708);
        w.PutBe64(6, 0x0102030405060708);
        w.PutFlag(7);
        Assert.Equal(8 + 8 + 8 + 8 + 12 + 12 + 4, w.Length);
        var b = w.WrittenSpan;
        Assert.Equal(new byte[] { 5, 0, 1, 0, 0xab, 0, 0, 0 }, b[..8].ToArray());
        Assert.Equal(new byte[] { 0x34, 0x12 }, b[12..14].ToArray());
        Assert.Equal(new byte[] { 0x12, 0x34 }, b[20..22].ToArray());
        Assert.Equal(new byte[] { 10, 1, 2, 3 }, b[28..32].ToArray());
        var r = new NetlinkReader(b, 0, NlAttrSpace.Anonymous);
        Assert.True(r.TryRead(out var a1));
        Assert.Equal(0xab, a1.U8());
        Assert.True(r.TryRead(out var a2));
        Assert.Equal(0x1234, a2.U16());
        Assert.True(r.TryRead(out var a3));
        Assert.Equal(0x1234, a3.Be16());
        Assert.True(r.TryRead(out var a4));
        Assert.Equal(0x0a010203u, a4.Be32());
        Assert.True(r.TryRead(out var a5));
        Assert.Equal(0x0102030405060708ul, a5.U64());
        Assert.True(r.TryRead(out var a6));
        Assert.Equal(0x0102030405060708ul, a6.Be64());
        Assert.True(r.TryRead(out var a7));
        a7.ExpectFlag();
        Assert.Equal(7, a7.Type);
    }

    [Fact]
    public void Nested_attributes_are_back_patched_and_readable()
    {
        var w = new NetlinkWriter();
        var outer = w.BeginNested(1);
        w.PutU32(2, 7);
        var inner = w.BeginNested(3 | Nl.FlagNested);
        w.PutBytes(4, [1, 2, 3, 4, 5]);
        w.EndNested(inner);
        w.EndNested(outer);
        Assert.Equal(4 + 8 + 4 + 12, w.Length);
        var r = new NetlinkReader(w.WrittenSpan, 100, NlAttrSpace.Anonymous);
        Assert.True(r.TryRead(out var o));
        Assert.Equal(28, o.Payload.Length + 4);
        var n = o.Nested(NlAttrSpace.Anonymous);
        Assert.True(n.TryRead(out var x));
        Assert.Equal(7u, x.U32());
        Assert.True(n.TryRead(out var i));
        Assert.Equal(3, i.Type);
        Assert.Equal(0x8003, i.RawType);
        var nn = i.Nested(NlAttrSpace.Anonymous);
        Assert.True(nn.TryRead(out var leaf));
        Assert.Equal(5, leaf.Payload.Length);
        Assert.Equal(100 + 16, leaf.Offset);
        Assert.Equal(9, BitConverter.ToUInt16(w.WrittenSpan[16..]));
    }

    [Fact]
    public void Oversized_attribute_is_refused_when_encoding()
    {
        var w = new NetlinkWriter();
        Assert.Throws<InvalidOperationException>(() => w.PutBytes(1, new byte[65532]));
        w.Reset();
        w.PutBytes(1, new byte[65531]);
        Assert.Equal(65536, w.Length);
    }

    [Fact]
    public void Nesting_is_capped()
    {
        var w = new NetlinkWriter();
        var tokens = new Stack<int>();
        for (var i = 0; i < 40; i++)
        {
            tokens.Push(w.BeginNested(1));
        }

        while (tokens.Count > 0)
        {
            w.EndNested(tokens.Pop());
        }

        var e = Assert.Throws<DpifDecodeException>(() => Descend(w.ToArray()));
        Assert.Contains("nesting deeper than 32", e.Message, StringComparison.Ordinal);
    }

    private static void Descend(byte[] bytes)
    {
        var r = new NetlinkReader(bytes, 0, NlAttrSpace.Anonymous);
        while (r.TryRead(out var a))
        {
            r = a.Nested(NlAttrSpace.Anonymous);
        }
    }
}
