namespace VSwarm.Messages.Ofctl;

/// <summary>
/// A syntax or semantic error in ovs-ofctl flow text, located by source name, line and 1-based
/// column, with the offending token. The message reads <c>flows.txt:3:17: unknown field 'nw_dts'</c>.
/// </summary>
public sealed class OfctlParseException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public OfctlParseException(string source, int line, int column, string token, string reason)
        : base($"{source}:{line}:{column}: {reason}")
    {
        Source = source;
        Line = line;
        Column = column;
        Token = token;
        Reason = reason;
    }

    /// <summary>Creates an exception with a bare message (for serializers and tooling).</summary>
    public OfctlParseException()
        : this("<flow>", 1, 1, "", "parse error")
    {
    }

    /// <summary>Creates an exception with a bare message.</summary>
    public OfctlParseException(string message)
        : this("<flow>", 1, 1, "", message)
    {
    }

    /// <summary>Creates an exception with a bare message and an inner exception.</summary>
    public OfctlParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Source = "<flow>";
        Line = 1;
        Column = 1;
        Token = "";
        Reason = message;
    }

    /// <summary>The name of the text (file name, or "&lt;flow&gt;").</summary>
    public new string Source { get; }

    /// <summary>1-based line number.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>The offending token as written.</summary>
    public string Token { get; }

    /// <summary>The reason without the location prefix.</summary>
    public string Reason { get; }
}
