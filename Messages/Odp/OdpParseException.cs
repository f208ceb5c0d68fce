namespace VSwarm.Messages.Odp;

/// <summary>
/// An ODP (dpctl/dump-flows) text that does not parse: names the 1-based column and the token
/// where parsing failed.
/// </summary>
public sealed class OdpParseException : FormatException
{
    /// <summary>Creates an exception without location.</summary>
    public OdpParseException()
        : this("malformed ODP text", 1, "")
    {
    }

    /// <summary>Creates an exception without location.</summary>
    public OdpParseException(string message)
        : this(message, 1, "")
    {
    }

    /// <summary>Creates an exception without location, wrapping another.</summary>
    public OdpParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
        Token = "";
        Column = 1;
    }

    /// <summary>Creates an exception at a column and token.</summary>
    public OdpParseException(string reason, int column, string token, Exception? inner = null)
        : base($"ODP parse error at column {column} near '{token}': {reason}", inner)
    {
        Reason = reason;
        Column = column;
        Token = token;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>The offending token (possibly truncated).</summary>
    public string Token { get; }
}
