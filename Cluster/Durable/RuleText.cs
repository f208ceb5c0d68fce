using VSwarm.Actors.Bridge;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Cluster.Durable;

/// <summary>
/// The durable form of a bridge's OpenFlow rules: ovs-ofctl add-flows text, one rule per line,
/// ordered by table, then priority (high first), then text, so equal rule sets have equal text
/// and <c>etcdctl get /vswarm/bridges/br0/flows</c> reads like <c>ovs-ofctl dump-flows</c> without
/// counters. A flow-mod is applied to the committed text by running it through the same
/// classifier tables the bridge uses (<see cref="FlowModProcessor"/>), so add/mod/del-flows have
/// exactly the bridge's semantics (loose vs strict, cookies, all tables).
/// </summary>
public static class RuleText
{
    /// <summary>The canonical text of <paramref name="rules"/>.</summary>
    public static string Format(IEnumerable<OpenFlowRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var lines = rules
            .Select(r => (r.Table, r.Priority, Text: OfctlFlowFormatter.Format(r)))
            .OrderBy(r => r.Table)
            .ThenByDescending(r => r.Priority)
            .ThenBy(r => r.Text, StringComparer.Ordinal)
            .Select(r => r.Text)
            .ToList();
        return lines.Count == 0 ? string.Empty : string.Join('\n', lines) + "\n";
    }

    /// <summary>The rules of a committed text (empty text: none). Throws <see cref="OfctlParseException"/> when it does not parse.</summary>
    public static IReadOnlyList<OpenFlowRule> Parse(string text, string source = "<etcd>") =>
        string.IsNullOrWhiteSpace(text) ? [] : OfctlFlowParser.ParseFileOrThrow(text, source);

    /// <summary>
    /// Applies <paramref name="mods"/> to the rules in <paramref name="text"/> and returns the new
    /// canonical text, or the bridge's error (nothing changes on error, as the batch is atomic).
    /// </summary>
    public static (string? Text, FlowModError? Error) Apply(string text, IReadOnlyList<FlowMod> mods, BridgeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mods);
        var state = new BridgeState(options ?? new BridgeOptions { Name = "scratch" });
        var existing = Parse(text).Select(r => FlowMod.Add(r)).ToList();
        if (existing.Count > 0 && state.FlowMods.Apply(existing, 0).Error is { } bad)
        {
            return (null, bad);
        }

        var result = state.FlowMods.Apply(mods, 0);
        if (result.Error is { } error)
        {
            return (null, error);
        }

        return (Format(state.Tables.Entries(version: state.Tables.Version).Select(e => e.Rule)), null);
    }

    /// <summary>
    /// The flow-mods that turn a bridge holding <paramref name="from"/> into one holding
    /// <paramref name="to"/>: a strict delete per vanished line, an add per new line. Rules on
    /// unchanged lines are not touched, so their counters survive.
    /// </summary>
    public static IReadOnlyList<FlowMod> Diff(string from, string to)
    {
        var before = Parse(from).ToDictionary(OfctlFlowFormatter.Format, StringComparer.Ordinal);
        var after = Parse(to).ToDictionary(OfctlFlowFormatter.Format, StringComparer.Ordinal);
        var mods = new List<FlowMod>();
        foreach (var (_, rule) in before.Where(kv => !after.ContainsKey(kv.Key)))
        {
            mods.Add(FlowMod.DeleteStrict(rule));
        }

        foreach (var (_, rule) in after.Where(kv => !before.ContainsKey(kv.Key)))
        {
            mods.Add(FlowMod.Add(rule));
        }

        return mods;
    }
}
