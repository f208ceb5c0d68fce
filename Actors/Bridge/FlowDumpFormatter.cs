using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Ofctl;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// <c>ovs-ofctl dump-flows</c> output (OVS 3.1 layout, without the reply header line):
/// <c> cookie=0x0, duration=1.5s, table=0, n_packets=0, n_bytes=0, idle_timeout=10, priority=100,ip actions=drop</c>.
/// Rules are listed by table, then decreasing priority, then match text (OVS's own order is the
/// classifier's iteration order, which is unspecified; this one is deterministic).
/// </summary>
public static class FlowDumpFormatter
{
    /// <summary>The visible entries of one table or all, with their stats, in dump order.</summary>
    public static ImmutableArray<FlowStatsEntry> Collect(OpenFlowTables tables, ulong version, byte? table, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(tables);
        return
        [
            .. tables.Entries(table, version)
                .Select(e => new FlowStatsEntry(e.Rule, e.Packets, e.Bytes, Math.Max(0, nowMs - e.CreatedMs), Math.Max(0, nowMs - e.UsedMs)))
                .OrderBy(f => f.Rule.Table)
                .ThenByDescending(f => f.Rule.Priority)
                .ThenBy(f => OfctlFlowFormatter.FormatMatch(f.Rule.Match, f.Rule.Priority), StringComparer.Ordinal),
        ];
    }

    /// <summary>One dump-flows line.</summary>
    public static string FormatLine(FlowStatsEntry f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var r = f.Rule;
        var sb = new StringBuilder(128);
        sb.Append(CultureInfo.InvariantCulture, $" cookie=0x{r.Cookie:x}, duration={f.DurationMs / 1000.0:0.000}s, table={r.Table}, n_packets={f.Packets}, n_bytes={f.Bytes}, ");
        if (r.IdleTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"idle_timeout={r.IdleTimeout}, ");
        }

        if (r.HardTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"hard_timeout={r.HardTimeout}, ");
        }

        var match = OfctlFlowFormatter.FormatMatch(r.Match, r.Priority);
        if (match.Length > 0)
        {
            sb.Append(match).Append(' ');
        }

        sb.Append("actions=").Append(OfctlFlowFormatter.FormatActions(r.Actions));
        return sb.ToString();
    }

    /// <summary>The whole dump, one line per rule, each ending with a newline.</summary>
    public static string Format(IEnumerable<FlowStatsEntry> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var sb = new StringBuilder();
        foreach (var f in flows)
        {
            sb.Append(FormatLine(f)).Append('\n');
        }

        return sb.ToString();
    }
}
