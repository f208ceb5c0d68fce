namespace VSwarm.Cluster.Remoting.Wire;

/// <summary>
/// A link frame that cannot be decoded: names the byte offset (from the start of the frame) and
/// the attribute at fault, so a bad peer or a corrupted stream can be diagnosed from the log line.
/// </summary>
public sealed class LinkFrameException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public LinkFrameException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public LinkFrameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public LinkFrameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming the problem, the offset and the attribute.</summary>
    public LinkFrameException(string reason, int offset, string? attribute)
        : base(attribute is null ? $"bad link frame at offset {offset}: {reason}" : $"bad link frame at offset {offset} ({attribute}): {reason}")
    {
        Reason = reason;
        Offset = offset;
        Attribute = attribute;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; } = "";

    /// <summary>Byte offset of the bad header or attribute, from the start of the frame.</summary>
    public int Offset { get; }

    /// <summary>Name of the bad attribute (e.g. VS_ENV_TARGET), or null for the nlmsghdr.</summary>
    public string? Attribute { get; }
}
