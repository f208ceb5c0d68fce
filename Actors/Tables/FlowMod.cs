using System.Text.RegularExpressions;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Actors.Tables;

/// <summary>The OpenFlow flow-mod commands (OFPFC_*).</summary>
public enum FlowModCommand
{
    /// <summary>OFPFC_ADD: add a rule; replaces an identical (match + priority) rule.</summary>
    Add,

    /// <summary>OFPFC_MODIFY: change the actions of every rule that loosely matches.</summary>
    Modify,

    /// <summary>OFPFC_MODIFY_STRICT: change the actions of the rule with exactly this match and priority.</summary>
    ModifyStrict,

    /// <summary>OFPFC_DELETE: delete every rule that loosely matches.</summary>
    Delete,

    /// <summary>OFPFC_DELETE_STRICT: delete the rule with exactly this match and priority.</summary>
    DeleteStrict,
}

/// <summary>
/// One OpenFlow flow-mod, as <c>ovs-ofctl add-flow / mod-flows [--strict] / del-flows [--strict]</c>
/// sends it. Immutable.
/// </summary>
/// <remarks>
/// <para><b>Rule.</b> For add: the rule to install. For modify: the selection criteria (match,
/// and priority when strict) plus the new actions. For delete: the criteria only (actions
/// ignored).</para>
/// <para><b>Cookies</b> (ovs-ofctl(8) <c>cookie=value[/mask]</c>). A non-zero
/// <see cref="OpenFlowRule.CookieMask"/> makes modify/delete act only on rules whose
/// <c>cookie &amp; mask == Rule.Cookie &amp; mask</c>; it is an error on add. For modify,
/// <see cref="SetCookie"/> (ovs-ofctl: <c>cookie=V</c> without a mask) gives the modified rules
/// the cookie <c>Rule.Cookie</c>; otherwise their cookies stay.</para>
/// <para><b>Modify that matches nothing</b> adds the rule (OpenFlow 1.0) only when it sets a
/// cookie and has no cookie mask — what OVS 3.1 does (<c>modify_may_add_flow</c>): plain
/// <c>ovs-ofctl mod-flows br0 "ip,actions=drop"</c> on an empty table adds nothing, with
/// <c>cookie=0x5,ip,actions=drop</c> it adds the rule.</para>
/// </remarks>
/// <param name="Command">The command.</param>
/// <param name="Rule">The rule or the selection criteria (see remarks).</param>
public sealed record FlowMod(FlowModCommand Command, OpenFlowRule Rule)
{
    /// <summary>Add only: fail with <see cref="FlowModErrorCode.Overlap"/> when a rule of the same priority overlaps (OFPFF_CHECK_OVERLAP).</summary>
    public bool CheckOverlap { get; init; }

    /// <summary>Modify/delete: only rules that output to this OpenFlow port (ovs-ofctl <c>out_port=</c>); null = any.</summary>
    public ushort? OutPort { get; init; }

    /// <summary>Modify/delete: act on every table (ovs-ofctl without <c>table=</c>, table_id 0xff); otherwise on <c>Rule.Table</c> only.</summary>
    public bool AllTables { get; init; }

    /// <summary>Modify: the modified rules get <c>Rule.Cookie</c> (and a modify that matched nothing adds the rule).</summary>
    public bool SetCookie { get; init; }

    /// <summary>True for the strict commands (exact match and priority).</summary>
    public bool IsStrict => Command is FlowModCommand.ModifyStrict or FlowModCommand.DeleteStrict;

    /// <summary>An add.</summary>
    public static FlowMod Add(OpenFlowRule rule, bool checkOverlap = false) =>
        new(FlowModCommand.Add, rule) { CheckOverlap = checkOverlap };

    /// <summary>A non-strict (loose) modify of <c>rule.Table</c>, or of every table.</summary>
    public static FlowMod Modify(OpenFlowRule rule, bool setCookie = false, bool allTables = false) =>
        new(FlowModCommand.Modify, rule) { SetCookie = setCookie, AllTables = allTables };

    /// <summary>A strict modify (exact match and priority).</summary>
    public static FlowMod ModifyStrict(OpenFlowRule rule, bool setCookie = false, bool allTables = false) =>
        new(FlowModCommand.ModifyStrict, rule) { SetCookie = setCookie, AllTables = allTables };

    /// <summary>A non-strict (loose) delete of <c>rule.Table</c>, or of every table.</summary>
    public static FlowMod Delete(OpenFlowRule rule, bool allTables = false, ushort? outPort = null) =>
        new(FlowModCommand.Delete, rule) { AllTables = allTables, OutPort = outPort };

    /// <summary>A strict delete (exact match and priority).</summary>
    public static FlowMod DeleteStrict(OpenFlowRule rule, bool allTables = false, ushort? outPort = null) =>
        new(FlowModCommand.DeleteStrict, rule) { AllTables = allTables, OutPort = outPort };

    /// <summary>Deletes every rule of every table (<c>ovs-ofctl del-flows br0</c>).</summary>
    public static FlowMod DeleteAll() => Delete(new OpenFlowRule(), allTables: true);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = $"{Command} {OfctlFlowFormatter.Format(Rule)}";
        if (AllTables && Command != FlowModCommand.Add)
        {
            text += " (all tables)";
        }

        return OutPort is { } p ? $"{text} out_port={p}" : text;
    }
}

/// <summary>
/// Builds flow-mods from ovs-ofctl flow text with ovs-ofctl's defaults: without <c>table=</c>
/// modify and delete act on every table; <c>cookie=V</c> without a mask sets the cookie on
/// modify; <c>out_port=N</c> filters modify and delete.
/// </summary>
public static partial class FlowModText
{
    /// <summary>
    /// Parses one flow-mod. Throws <see cref="OfctlParseException"/> on bad flow text.
    /// </summary>
    /// <param name="command">The command (add-flow, mod-flows, del-flows, with --strict).</param>
    /// <param name="text">The flow text; for delete it may be empty (every rule).</param>
    /// <param name="checkOverlap">Add only: the OFPFF_CHECK_OVERLAP flag (ovs-ofctl <c>add-flow --check-overlap</c>... in OVS: <c>check_overlap</c> flag).</param>
    public static FlowMod Parse(FlowModCommand command, string text, bool checkOverlap = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var actionsAt = ActionsKeyword().Match(text);
        var head = actionsAt.Success ? text[..actionsAt.Index] : text;
        var tail = actionsAt.Success ? text[actionsAt.Index..] : string.Empty;

        ushort? outPort = null;
        var outPortMatch = OutPortField().Match(head);
        if (outPortMatch.Success)
        {
            var value = outPortMatch.Groups["v"].Value;
            outPort = OfPorts.FromName(value) ?? (ushort.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var p)
                ? p
                : throw new OfctlParseException("<flow>", 1, outPortMatch.Index + 1, value, "bad out_port"));
            head = string.Concat(head.AsSpan(0, outPortMatch.Index), " ", head.AsSpan(outPortMatch.Index + outPortMatch.Length));
        }

        var flagMatch = CheckOverlapKeyword().Match(head);
        if (flagMatch.Success)
        {
            checkOverlap = true;
            head = string.Concat(head.AsSpan(0, flagMatch.Index), " ", head.AsSpan(flagMatch.Index + flagMatch.Length));
        }

        var requireActions = command is FlowModCommand.Add or FlowModCommand.Modify or FlowModCommand.ModifyStrict;
        var rule = OfctlFlowParser.ParseFlow(head + tail, requireActions: requireActions);
        var hasTable = TableField().IsMatch(head);
        var setsCookie = CookieWithoutMask().IsMatch(head);
        return new FlowMod(command, rule)
        {
            CheckOverlap = checkOverlap && command == FlowModCommand.Add,
            AllTables = command != FlowModCommand.Add && !hasTable,
            SetCookie = setsCookie && command is FlowModCommand.Modify or FlowModCommand.ModifyStrict,
            OutPort = command == FlowModCommand.Add ? null : outPort,
        };
    }

    /// <summary>Parses an add-flows file into add flow-mods (blank lines and # comments skipped). Throws on the first bad line.</summary>
    public static IReadOnlyList<FlowMod> ParseAddFlows(string text, string source = "<flows>", bool checkOverlap = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. OfctlFlowParser.ParseFileOrThrow(text, source).Select(r => FlowMod.Add(r, checkOverlap))];
    }

    [GeneratedRegex(@"(^|[\s,])actions\s*=", RegexOptions.CultureInvariant)]
    private static partial Regex ActionsKeyword();

    [GeneratedRegex(@"(^|[\s,])table\s*=", RegexOptions.CultureInvariant)]
    private static partial Regex TableField();

    [GeneratedRegex(@"(^|[\s,])cookie\s*=\s*[0-9a-fA-FxX]+\s*($|[\s,])", RegexOptions.CultureInvariant)]
    private static partial Regex CookieWithoutMask();

    [GeneratedRegex(@"(^|[\s,])check_overlap(?=$|[\s,])", RegexOptions.CultureInvariant)]
    private static partial Regex CheckOverlapKeyword();

    [GeneratedRegex(@"(^|[\s,])out_port\s*=\s*(?<v>[A-Za-z0-9_]+)", RegexOptions.CultureInvariant)]
    private static partial Regex OutPortField();
}
