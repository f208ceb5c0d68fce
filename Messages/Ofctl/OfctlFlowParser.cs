using System.Collections.Immutable;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Messages.Ofctl;

/// <summary>
/// The result of parsing a whole add-flows file: every rule that parsed, in file order, and one
/// error per rejected line. A bad line never loses the good ones.
/// </summary>
/// <param name="Rules">Accepted rules, in file order.</param>
/// <param name="Errors">Errors, in file order (at most one per line).</param>
public sealed record OfctlParseResult(ImmutableArray<OpenFlowRule> Rules, ImmutableArray<OfctlParseException> Errors)
{
    /// <summary>True when no line was rejected.</summary>
    public bool Success => Errors.IsEmpty;
}

/// <summary>
/// Parses ovs-ofctl flow syntax (<c>ovs-ofctl add-flow</c> / <c>add-flows</c>):
/// <c>[cookie=…][,table=…][,priority=…][,idle_timeout=…][,hard_timeout=…],&lt;match&gt;,actions=&lt;actions&gt;</c>.
/// Fields and top-level keys are separated by commas and/or white space; <c>actions=</c> takes the
/// rest of the line. Every error is an <see cref="OfctlParseException"/> with line, 1-based
/// column and the offending token.
/// </summary>
/// <remarks>
/// Stricter than OVS on purpose: a field whose prerequisites are missing (tp_dst without
/// tcp/udp/sctp) is an error (OVS drops it with a warning), a repeated field is an error (OVS
/// keeps the last), conflicting shorthands (tcp,udp) are an error. Prerequisites are checked
/// after the whole match is read, so their order does not matter (<c>tp_dst=80,tcp</c> is fine).
/// </remarks>
public static class OfctlFlowParser
{
    /// <summary>Parses one flow. Throws <see cref="OfctlParseException"/> on the first error.</summary>
    /// <param name="text">The flow text.</param>
    /// <param name="source">Name used in error messages.</param>
    /// <param name="line">Line number used in error messages.</param>
    /// <param name="requireActions">False for filters (del-flows/dump-flows), which have no actions.</param>
    public static OpenFlowRule ParseFlow(string text, string source = "<flow>", int line = 1, bool requireActions = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new OfctlLineParser(text, source, line).ParseFlow(requireActions);
    }

    /// <summary>Parses just an action list (the text after <c>actions=</c>).</summary>
    public static OfActionList ParseActions(string text, string source = "<actions>", int line = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new OfctlLineParser(text, source, line).ParseActions(0);
    }

    /// <summary>
    /// Parses an add-flows file: one flow per line; blank lines and <c>#</c> comments (to the end
    /// of the line) are skipped. Returns the accepted rules and the errors (one per bad line);
    /// it never throws for bad flow text. Use <see cref="ParseFileOrThrow"/> to fail on any error.
    /// </summary>
    public static OfctlParseResult ParseFile(string text, string source = "<flows>")
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = ImmutableArray.CreateBuilder<OpenFlowRule>();
        var errors = ImmutableArray.CreateBuilder<OfctlParseException>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var l = raw.TrimEnd('\r');
            var hash = l.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                l = l[..hash];
            }

            if (string.IsNullOrWhiteSpace(l))
            {
                continue;
            }

            try
            {
                rules.Add(new OfctlLineParser(l, source, lineNo).ParseFlow(true));
            }
            catch (OfctlParseException e)
            {
                errors.Add(e);
            }
        }

        return new OfctlParseResult(rules.ToImmutable(), errors.ToImmutable());
    }

    /// <summary>Parses an add-flows file and throws the first error, if any.</summary>
    public static ImmutableArray<OpenFlowRule> ParseFileOrThrow(string text, string source = "<flows>")
    {
        var r = ParseFile(text, source);
        return r.Success ? r.Rules : throw r.Errors[0];
    }
}
