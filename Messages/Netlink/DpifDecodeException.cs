namespace VSwarm.Messages.Netlink;

/// <summary>
/// The only exception a VSwarm netlink/dpif decoder throws on bad input: it names the byte offset
/// (from the start of the buffer given to the decoder) and the attribute being decoded.
/// </summary>
public sealed class DpifDecodeException : Exception
{
    /// <summary>Creates an exception without location (for serializers and tools).</summary>
    public DpifDecodeException()
        : this("malformed netlink input", 0, null, null)
    {
    }

    /// <summary>Creates an exception without location (for serializers and tools).</summary>
    public DpifDecodeException(string message)
        : this(message, 0, null, null)
    {
    }

    /// <summary>Creates an exception without location, wrapping another.</summary>
    public DpifDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates an exception naming the offset and the attribute.</summary>
    /// <param name="reason">What is wrong.</param>
    /// <param name="offset">Byte offset, from the start of the decoded buffer, of the faulty header or field.</param>
    /// <param name="attribute">Symbolic attribute name (e.g. <c>OVS_KEY_ATTR_IPV4</c>), or null for framing errors.</param>
    /// <param name="attributeId">Numeric attribute id, when known.</param>
    public DpifDecodeException(string reason, int offset, string? attribute, int? attributeId)
        : base(Compose(reason, offset, attribute, attributeId))
    {
        Reason = reason;
        Offset = offset;
        Attribute = attribute;
        AttributeId = attributeId;
    }

    /// <summary>What is wrong, without location.</summary>
    public string Reason { get; } = "";

    /// <summary>Byte offset of the faulty item from the start of the decoded buffer.</summary>
    public int Offset { get; }

    /// <summary>Symbolic name of the attribute (or header) being decoded, or null.</summary>
    public string? Attribute { get; }

    /// <summary>Numeric id of the attribute, or null.</summary>
    public int? AttributeId { get; }

    private static string Compose(string reason, int offset, string? attribute, int? id) =>
        $"{reason} at offset {offset} (attribute {attribute ?? "none"}{(id is { } i ? $" [{i}]" : "")})";
}
