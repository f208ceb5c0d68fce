using System.Buffers.Binary;

namespace VSwarm.Messages.Netlink;

/// <summary>
/// Names the attributes of one netlink attribute space (e.g. <c>OVS_KEY_ATTR_*</c>) so that decode
/// errors can say which attribute was bad. Names are only computed when an error is reported.
/// </summary>
public sealed class NlAttrSpace
{
    private readonly Func<int, string?> _names;

    /// <summary>Creates a space with a prefix and an id-to-name function (null = unknown id).</summary>
    public NlAttrSpace(string prefix, Func<int, string?> names)
    {
        Prefix = prefix;
        _names = names;
    }

    /// <summary>Prefix of the names, e.g. <c>OVS_KEY_ATTR_</c>.</summary>
    public string Prefix { get; }

    /// <summary>The full name of an attribute id, e.g. <c>OVS_KEY_ATTR_IPV4</c>, or <c>OVS_KEY_ATTR_#99</c> if unknown.</summary>
    public string Name(int id) => Prefix + (_names(id) ?? "#" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A space whose attributes are only numbered.</summary>
    public static readonly NlAttrSpace Anonymous = new("NLA_", _ => null);
}

/// <summary>
/// One attribute read by a <see cref="NetlinkReader"/>: its type (masked with 0x3fff), payload,
/// absolute offset, and typed getters that validate the payload length and throw
/// <see cref="DpifDecodeException"/> naming the attribute.
/// </summary>
public readonly ref struct NetlinkAttribute
{
    internal NetlinkAttribute(ushort rawType, ReadOnlySpan<byte> payload, int offset, NlAttrSpace space, int depth)
    {
        RawType = rawType;
        Payload = payload;
        Offset = offset;
        Space = space;
        Depth = depth;
    }

    /// <summary>nla_type as written, flags included.</summary>
    public ushort RawType { get; }

    /// <summary>The attribute type (nla_type &amp; 0x3fff).</summary>
    public int Type => RawType & Nl.TypeMask;

    /// <summary>The payload (nla_len − 4 bytes, padding excluded).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Absolute offset of the attribute header in the decoded buffer.</summary>
    public int Offset { get; }

    /// <summary>Absolute offset of the payload.</summary>
    public int PayloadOffset => Offset + Nl.AttributeHeaderSize;

    /// <summary>The attribute space used for names.</summary>
    public NlAttrSpace Space { get; }

    /// <summary>Nesting depth of this attribute (0 = top level of the decoded stream).</summary>
    public int Depth { get; }

    /// <summary>The attribute's symbolic name.</summary>
    public string Name => Space.Name(Type);

    /// <summary>An exception about this attribute.</summary>
    public DpifDecodeException Error(string reason) => new(reason, Offset, Name, Type);

    /// <summary>An exception about a field of this attribute's payload.</summary>
    public DpifDecodeException Error(string reason, int payloadOffset) => new(reason, PayloadOffset + payloadOffset, Name, Type);

    /// <summary>Throws unless the payload is exactly <paramref name="size"/> bytes.</summary>
    public ReadOnlySpan<byte> Expect(int size)
    {
        if (Payload.Length != size)
        {
            throw Error($"payload of {Payload.Length} bytes where {size} expected");
        }

        return Payload;
    }

    /// <summary>Throws unless the attribute is a flag (empty payload).</summary>
    public void ExpectFlag() => Expect(0);

    /// <summary>u8 payload.</summary>
    public byte U8() => Expect(1)[0];

    /// <summary>u16 payload, host order.</summary>
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Expect(2));

    /// <summary>u32 payload, host order.</summary>
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Expect(4));

    /// <summary>u64 payload, host order.</summary>
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Expect(8));

    /// <summary>be16 payload.</summary>
    public ushort Be16() => BinaryPrimitives.ReadUInt16BigEndian(Expect(2));

    /// <summary>be32 payload.</summary>
    public uint Be32() => BinaryPrimitives.ReadUInt32BigEndian(Expect(4));

    /// <summary>be64 payload.</summary>
    public ulong Be64() => BinaryPrimitives.ReadUInt64BigEndian(Expect(8));

    /// <summary>A reader over the nested attributes of the payload, in another attribute space.</summary>
    public NetlinkReader Nested(NlAttrSpace space)
    {
        if (Depth + 1 >= NetlinkReader.MaxDepth)
        {
            throw Error($"nesting deeper than {NetlinkReader.MaxDepth}");
        }

        return new NetlinkReader(Payload, PayloadOffset, space, Depth + 1);
    }
}

/// <summary>
/// Iterates the attributes of a netlink attribute stream over a span. Every length is checked
/// against the remaining bytes; a header shorter than 4 bytes, <c>nla_len &lt; 4</c> or an
/// attribute running past the end throws <see cref="DpifDecodeException"/>. Each step advances by
/// at least 4 bytes, so iteration always ends; nesting is capped at <see cref="MaxDepth"/>.
/// </summary>
public ref struct NetlinkReader
{
    /// <summary>Deepest nesting accepted.</summary>
    public const int MaxDepth = 32;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;
    private int _pos;

    /// <summary>Creates a reader over an attribute stream that starts at absolute offset <paramref name="baseOffset"/>.</summary>
    public NetlinkReader(ReadOnlySpan<byte> data, int baseOffset, NlAttrSpace space, int depth = 0)
    {
        _data = data;
        _base = baseOffset;
        _pos = 0;
        Space = space;
        Depth = depth;
    }

    /// <summary>The attribute space used for names.</summary>
    public NlAttrSpace Space { get; }

    /// <summary>Nesting depth.</summary>
    public int Depth { get; }

    /// <summary>Absolute offset of the next attribute.</summary>
    public readonly int Offset => _base + _pos;

    /// <summary>Absolute offset where the stream ends.</summary>
    public readonly int EndOffset => _base + _data.Length;

    /// <summary>Reads the next attribute; false at the end of the stream.</summary>
    public bool TryRead(out NetlinkAttribute attribute)
    {
        var rest = _data.Length - _pos;
        if (rest <= 0)
        {
            attribute = default;
            return false;
        }

        var at = _base + _pos;
        if (rest < Nl.AttributeHeaderSize)
        {
            throw new DpifDecodeException($"truncated attribute header ({rest} bytes left)", at, Space.Prefix + "?", null);
        }

        var len = BinaryPrimitives.ReadUInt16LittleEndian(_data[_pos..]);
        var type = BinaryPrimitives.ReadUInt16LittleEndian(_data[(_pos + 2)..]);
        if (len < Nl.AttributeHeaderSize)
        {
            throw new DpifDecodeException($"nla_len {len} < 4", at, Space.Name(type & Nl.TypeMask), type & Nl.TypeMask);
        }

        if (len > rest)
        {
            throw new DpifDecodeException($"nla_len {len} runs past the end ({rest} bytes left)", at, Space.Name(type & Nl.TypeMask), type & Nl.TypeMask);
        }

        attribute = new NetlinkAttribute(type, _data.Slice(_pos + Nl.AttributeHeaderSize, len - Nl.AttributeHeaderSize), at, Space, Depth);
        _pos = Math.Min(_data.Length, _pos + Nl.Align(len));
        return true;
    }
}

/// <summary>
/// Tracks which attribute ids (0..127) were seen at one nesting level, to reject duplicates
/// (netlink attributes must not repeat at one level).
/// </summary>
public struct AttrSeen
{
    private UInt128 _bits;

    /// <summary>Records the attribute; throws <see cref="DpifDecodeException"/> if it was already seen.</summary>
    public void Add(in NetlinkAttribute a)
    {
        var t = a.Type;
        if (t >= 128)
        {
            return;
        }

        var bit = UInt128.One << t;
        if ((_bits & bit) != 0)
        {
            throw a.Error("duplicate attribute");
        }

        _bits |= bit;
    }

    /// <summary>True when the id was seen.</summary>
    public readonly bool Has(int type) => type < 128 && (_bits & (UInt128.One << type)) != 0;
}
