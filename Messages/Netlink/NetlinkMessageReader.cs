using System.Buffers.Binary;

namespace VSwarm.Messages.Netlink;

/// <summary>One netlink message read by <see cref="NetlinkMessageReader"/>.</summary>
public readonly ref struct NetlinkMessage
{
    internal NetlinkMessage(NetlinkMessageHeader header, ReadOnlySpan<byte> body, int offset)
    {
        Header = header;
        Body = body;
        Offset = offset;
    }

    /// <summary>The nlmsghdr.</summary>
    public NetlinkMessageHeader Header { get; }

    /// <summary>Everything after the nlmsghdr, up to nlmsg_len.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Absolute offset of the nlmsghdr.</summary>
    public int Offset { get; }

    /// <summary>Absolute offset of the body.</summary>
    public int BodyOffset => Offset + Nl.MessageHeaderSize;

    /// <summary>
    /// Reads the genlmsghdr and ovs_header of an OVS generic netlink message and returns a reader
    /// over its attributes.
    /// </summary>
    public NetlinkReader ReadOvs(NlAttrSpace space, out GenlHeader genl, out int dpIfIndex)
    {
        if (Body.Length < Nl.GenlHeaderSize + Nl.OvsHeaderSize)
        {
            throw new DpifDecodeException($"message body of {Body.Length} bytes is too short for genlmsghdr + ovs_header", BodyOffset, "genlmsghdr", null);
        }

        genl = new GenlHeader(Body[0], Body[1]);
        dpIfIndex = BinaryPrimitives.ReadInt32LittleEndian(Body[Nl.GenlHeaderSize..]);
        var start = Nl.GenlHeaderSize + Nl.OvsHeaderSize;
        return new NetlinkReader(Body[start..], BodyOffset + start, space);
    }
}

/// <summary>
/// Iterates the netlink messages of a buffer (one message or a multipart batch). Checks
/// <c>nlmsg_len</c> against the header size and the bytes left; messages are 4-byte aligned.
/// </summary>
public ref struct NetlinkMessageReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    /// <summary>Creates a reader over a buffer of messages.</summary>
    public NetlinkMessageReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>Offset of the next message.</summary>
    public readonly int Offset => _pos;

    /// <summary>True when every byte was consumed.</summary>
    public readonly bool AtEnd => _pos >= _data.Length;

    /// <summary>Reads the next message; false at the end of the buffer.</summary>
    public bool TryRead(out NetlinkMessage message)
    {
        var rest = _data.Length - _pos;
        if (rest <= 0)
        {
            message = default;
            return false;
        }

        if (rest < Nl.MessageHeaderSize)
        {
            throw new DpifDecodeException($"truncated nlmsghdr ({rest} bytes left)", _pos, "nlmsghdr", null);
        }

        var s = _data[_pos..];
        var h = new NetlinkMessageHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(s),
            BinaryPrimitives.ReadUInt16LittleEndian(s[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(s[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[12..]));
        if (h.Length < Nl.MessageHeaderSize || h.Length > (uint)rest)
        {
            throw new DpifDecodeException($"bad nlmsg_len {h.Length} ({rest} bytes left)", _pos, "nlmsghdr", null);
        }

        var len = (int)h.Length;
        message = new NetlinkMessage(h, s[Nl.MessageHeaderSize..len], _pos);
        _pos = Math.Min(_data.Length, _pos + Nl.Align(len));
        return true;
    }
}
