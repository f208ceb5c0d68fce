using System.Buffers;
using System.Buffers.Binary;

namespace VSwarm.Messages.Netlink;

/// <summary>
/// Writes netlink messages and attributes into a growable buffer it owns (reusable through
/// <see cref="Reset"/>), with exact netlink sizes: 16-byte nlmsghdr, 4-byte genlmsghdr and
/// ovs_header, 4-byte attribute headers, payloads padded with zeros to 4 bytes, and lengths of
/// messages and nested attributes back-patched when they are closed. The written bytes are
/// available as a span, an array, or copied into an <see cref="IBufferWriter{T}"/>.
/// </summary>
/// <remarks>
/// Integer attributes (<c>PutU16/U32/U64</c>) are host byte order (little-endian on the machines
/// .NET supports here); <c>PutBe*</c> write network byte order, as OVS's <c>__be</c> fields.
/// </remarks>
public sealed class NetlinkWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public NetlinkWriter(int initialCapacity = 512)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _buffer = new byte[initialCapacity];
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Reset() => _length = 0;

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Copies the bytes written into <paramref name="destination"/>.</summary>
    public void CopyTo(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(WrittenSpan);
    }

    /// <summary>
    /// Starts a message: writes a nlmsghdr whose length is patched by <see cref="EndMessage"/>.
    /// Returns the message's start offset.
    /// </summary>
    public int BeginMessage(ushort type, ushort flags, uint seq = 0, uint pid = 0)
    {
        Align();
        var start = _length;
        var h = Reserve(Nl.MessageHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], pid);
        return start;
    }

    /// <summary>Writes a genlmsghdr (cmd, version, reserved 0).</summary>
    public void PutGenlHeader(byte command, byte version)
    {
        var h = Reserve(Nl.GenlHeaderSize);
        h[0] = command;
        h[1] = version;
        h[2] = 0;
        h[3] = 0;
    }

    /// <summary>Writes an ovs_header (dp_ifindex).</summary>
    public void PutOvsHeader(int dpIfIndex) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(Nl.OvsHeaderSize), dpIfIndex);

    /// <summary>Writes raw bytes (e.g. a control message payload), padded to 4 bytes.</summary>
    public void PutRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        Align();
    }

    /// <summary>Closes a message: patches nlmsg_len with the bytes written since <paramref name="start"/>.</summary>
    public void EndMessage(int start)
    {
        Align();
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(_length - start));
    }

    /// <summary>
    /// Writes an attribute header for a payload of <paramref name="payloadLength"/> bytes and
    /// returns the payload span to fill; the padding is already zeroed.
    /// </summary>
    public Span<byte> PutAttribute(ushort type, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        var nlaLen = Nl.AttributeHeaderSize + payloadLength;
        if (nlaLen > Nl.MaxAttributeLength)
        {
            throw new InvalidOperationException($"netlink attribute {type} of {nlaLen} bytes exceeds {Nl.MaxAttributeLength}");
        }

        Align();
        var total = Nl.AttributeSize(payloadLength);
        var span = Reserve(total);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)nlaLen);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        span[nlaLen..].Clear();
        return span.Slice(Nl.AttributeHeaderSize, payloadLength);
    }

    /// <summary>A flag attribute (no payload).</summary>
    public void PutFlag(ushort type) => PutAttribute(type, 0);

    /// <summary>A u8 attribute.</summary>
    public void PutU8(ushort type, byte value) => PutAttribute(type, 1)[0] = value;

    /// <summary>A u16 attribute, host byte order.</summary>
    public void PutU16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(PutAttribute(type, 2), value);

    /// <summary>A u32 attribute, host byte order.</summary>
    public void PutU32(ushort type, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(PutAttribute(type, 4), value);

    /// <summary>A u64 attribute, host byte order (only 4-byte aligned, as in OVS).</summary>
    public void PutU64(ushort type, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(PutAttribute(type, 8), value);

    /// <summary>A be16 attribute (network byte order).</summary>
    public void PutBe16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(PutAttribute(type, 2), value);

    /// <summary>A be32 attribute (network byte order).</summary>
    public void PutBe32(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(PutAttribute(type, 4), value);

    /// <summary>A be64 attribute (network byte order).</summary>
    public void PutBe64(ushort type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(PutAttribute(type, 8), value);

    /// <summary>An attribute carrying <paramref name="payload"/> verbatim.</summary>
    public void PutBytes(ushort type, ReadOnlySpan<byte> payload) => payload.CopyTo(PutAttribute(type, payload.Length));

    /// <summary>
    /// Opens a nested attribute; returns a token for <see cref="EndNested"/>, which patches its
    /// length. OVS does not set the NESTED flag on key/action nests; pass it in
    /// <paramref name="type"/> if wanted.
    /// </summary>
    public int BeginNested(ushort type)
    {
        Align();
        var start = _length;
        var span = Reserve(Nl.AttributeHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        return start;
    }

    /// <summary>Closes a nested attribute opened at <paramref name="token"/>.</summary>
    public void EndNested(int token)
    {
        Align();
        var len = _length - token;
        if (len > Nl.MaxAttributeLength)
        {
            throw new InvalidOperationException($"nested netlink attribute of {len} bytes exceeds {Nl.MaxAttributeLength}");
        }

        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(token), (ushort)len);
    }

    private void Align()
    {
        var aligned = Nl.Align(_length);
        if (aligned != _length)
        {
            Reserve(aligned - _length).Clear();
        }
    }

    private Span<byte> Reserve(int n)
    {
        if (_length + n > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
        }

        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }
}
