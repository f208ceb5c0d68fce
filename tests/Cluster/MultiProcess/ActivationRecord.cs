using System.Globalization;
using System.Text.RegularExpressions;

namespace VSwarm.Tests.Cluster.MultiProcess;

/// <summary>An `ACTIVATED|DEACTIVATED bridge node token=N at=MS` line of `vswarm node`.</summary>
public sealed partial record ActivationRecord(bool Activated, string Bridge, string Node, long Token, long AtMs)
{
    public static IEnumerable<ActivationRecord> Parse(IEnumerable<string> lines) =>
        lines.Select(l => Line().Match(l)).Where(m => m.Success).Select(m => new ActivationRecord(
            m.Groups["k"].Value == "ACTIVATED",
            m.Groups["b"].Value,
            m.Groups["n"].Value,
            long.Parse(m.Groups["t"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture)));

    /// <summary>
    /// Every (bridge, token) activity interval from the records of all nodes; an activation without
    /// a deactivation ends at <paramref name="endOf"/>(node) (the kill time of a killed node, or now).
    /// </summary>
    public static IReadOnlyList<(string Bridge, string Node, long Token, long From, long To)> Intervals(
        IEnumerable<ActivationRecord> records, Func<string, long> endOf)
    {
        var open = new Dictionary<(string Bridge, string Node, long Token), long>();
        var result = new List<(string, string, long, long, long)>();
        foreach (var r in records.OrderBy(r => r.AtMs))
        {
            var key = (r.Bridge, r.Node, r.Token);
            if (r.Activated)
            {
                open[key] = r.AtMs;
            }
            else if (open.Remove(key, out var from))
            {
                result.Add((r.Bridge, r.Node, r.Token, from, r.AtMs));
            }
        }

        result.AddRange(open.Select(kv => (kv.Key.Bridge, kv.Key.Node, kv.Key.Token, kv.Value, endOf(kv.Key.Node))));
        return result;
    }

    [GeneratedRegex(@"^(?<k>ACTIVATED|DEACTIVATED) (?<b>\S+) (?<n>\S+) token=(?<t>\d+) at=(?<at>\d+)$")]
    private static partial Regex Line();
}
