using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Tables;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Odp;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Host.Commands;

/// <summary>Options of <c>vswarm trace</c>.</summary>
/// <param name="FlowsPath">Rule file (ovs-ofctl add-flows syntax).</param>
/// <param name="Packet">One packet (OpenFlow or ODP syntax), or null with <paramref name="PacketsPath"/>.</param>
/// <param name="PacketsPath">File with one packet per line, or null.</param>
/// <param name="Prefixes">Prefix-trie fields ("none", a comma list, or null for OVS's default nw_dst,nw_src).</param>
/// <param name="Json">One JSON object per packet instead of the trace text.</param>
/// <param name="Ports">Ports 1..N of the bridge (the oracle's p1..p4).</param>
/// <param name="SflowRate">sFlow sampling rate, or 0 for none.</param>
public sealed record TraceOptions(string FlowsPath, string? Packet, string? PacketsPath, string? Prefixes = null, bool Json = false, int Ports = 4, uint SflowRate = 0);

/// <summary>
/// <c>vswarm trace</c>: translates packets through a rule file and prints what OVS 3.1's
/// <c>ovs-appctl ofproto/trace br0 FLOW</c> prints (Flow, the tables and actions visited, Final
/// flow, Megaflow, Datapath actions), or with <c>--format json</c> one
/// <c>{"packet","megaflow","actions"}</c> object per packet. Exit code 2 for bad input.
/// </summary>
public static class TraceCommand
{
    /// <summary>The System.CommandLine command.</summary>
    public static Command Create()
    {
        var flows = new Option<string>("--flows") { Description = "rule file in ovs-ofctl add-flows syntax", Required = true };
        var packets = new Option<string?>("--packets") { Description = "file with one packet per line (OpenFlow or ODP syntax)" };
        var prefixes = new Option<string?>("--prefixes") { Description = "prefix-trie fields, comma-separated, or none (default nw_dst,nw_src)" };
        var format = new Option<string>("--format") { Description = "text (default) or json", DefaultValueFactory = _ => "text" };
        var ports = new Option<int>("--ports") { Description = "bridge ports 1..N", DefaultValueFactory = _ => 4 };
        var sflow = new Option<uint>("--sflow-rate") { Description = "sFlow sampling rate (0 = off)", DefaultValueFactory = _ => 0 };
        var packet = new Argument<string?>("packet") { Description = "packet, e.g. 'in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=79'", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("trace", "Trace packets through OpenFlow rules like ovs-appctl ofproto/trace") { flows, packets, prefixes, format, ports, sflow, packet };
        cmd.SetAction(pr =>
        {
            var fmt = pr.GetValue(format);
            if (fmt is not ("text" or "json"))
            {
                Console.Error.WriteLine($"vswarm trace: unknown format '{fmt}' (text or json)");
                return 2;
            }

            var options = new TraceOptions(pr.GetValue(flows)!, pr.GetValue(packet), pr.GetValue(packets), pr.GetValue(prefixes), fmt == "json", pr.GetValue(ports), pr.GetValue(sflow));
            return Run(options, Console.Out, Console.Error);
        });
        return cmd;
    }

    /// <summary>Runs a trace, writing results to <paramref name="output"/> and problems to <paramref name="error"/>. Returns the exit code.</summary>
    public static int Run(TraceOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if ((options.Packet is null) == (options.PacketsPath is null))
        {
            error.WriteLine("vswarm trace: give either one packet or --packets FILE");
            return 2;
        }

        IReadOnlyList<FlowField>? prefixes;
        try
        {
            prefixes = ParsePrefixes(options.Prefixes);
        }
        catch (FormatException e)
        {
            error.WriteLine($"vswarm trace: --prefixes: {e.Message}");
            return 2;
        }

        string rulesText;
        try
        {
            rulesText = File.ReadAllText(options.FlowsPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"vswarm trace: {options.FlowsPath}: {e.Message}");
            return 2;
        }

        var parsed = OfctlFlowParser.ParseFile(rulesText, options.FlowsPath);
        if (!parsed.Success)
        {
            foreach (var e in parsed.Errors)
            {
                error.WriteLine(e.Message);
            }

            return 2;
        }

        var lines = new List<(string Text, string Source, int Line)>();
        if (options.Packet is { } one)
        {
            lines.Add((one, "<packet>", 1));
        }
        else
        {
            string[] all;
            try
            {
                all = File.ReadAllLines(options.PacketsPath!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"vswarm trace: {options.PacketsPath}: {e.Message}");
                return 2;
            }

            for (var i = 0; i < all.Length; i++)
            {
                var l = all[i].Trim();
                if (l.Length > 0 && !l.StartsWith('#'))
                {
                    lines.Add((l, options.PacketsPath!, i + 1));
                }
            }
        }

        var packets = new List<(string Text, FlowKey Key)>();
        foreach (var (text, source, line) in lines)
        {
            if (!TryParsePacket(text, source, line, out var key, out var problem))
            {
                error.WriteLine(problem);
                return 2;
            }

            packets.Add((text, key));
        }

        var tables = new OpenFlowTables(prefixes);
        // As ovs-ofctl add-flows: a rule with the same table, priority and match replaces the earlier one.
        var unique = new Dictionary<(byte, ushort, Match), OpenFlowRule>();
        foreach (var rule in parsed.Rules)
        {
            unique[(rule.Table, rule.Priority, rule.Match)] = rule;
        }

        foreach (var rule in unique.Values)
        {
            tables.Insert(new FlowEntry(rule, tables.NextVersion));
        }

        tables.Publish();
        var bridge = new XlateBridge(
            Enumerable.Range(1, Math.Max(0, options.Ports)).Select(i => new XlatePort((uint)i)),
            sflow: options.SflowRate > 0 ? new SflowSampling(options.SflowRate) : null);
        var xlate = new Xlate(tables, bridge);
        var first = true;
        foreach (var (text, key) in packets)
        {
            var trace = new XlateTrace();
            var result = xlate.Translate(key, tables.Version, trace);
            var megaflow = MegaflowText.Format(key, result);
            var actions = OdpFormatter.FormatActions(result.Actions);
            if (options.Json)
            {
                first = false;
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["packet"] = text, ["megaflow"] = megaflow, ["actions"] = actions }));
            }
            else
            {
                output.Write((first ? "" : "\n") + FormatTrace(bridge.Name, key, trace, megaflow, actions));
                first = false;
            }
        }

        return 0;
    }

    /// <summary>Parses a packet in OpenFlow syntax (<c>in_port=1,tcp,…</c>) or ODP syntax (<c>in_port(1),eth(…),…</c>).</summary>
    public static bool TryParsePacket(string text, string source, int line, out FlowKey key, out string problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        key = default;
        problem = "";
        try
        {
            if (IsOdp(text))
            {
                key = OdpParser.ParseMatch(text).Key;
            }
            else
            {
                key = OfctlFlowParser.ParseFlow(text, source, line, requireActions: false).Match.Key;
            }

            return true;
        }
        catch (OfctlParseException e)
        {
            problem = e.Message;
        }
        catch (OdpParseException e)
        {
            problem = $"{source}:{line}: bad packet: {e.Message}";
        }
        catch (FormatException e)
        {
            problem = $"{source}:{line}: bad packet: {e.Message}";
        }

        return false;
    }

    private static bool IsOdp(string text)
    {
        var paren = text.IndexOf('(', StringComparison.Ordinal);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return paren >= 0 && (eq < 0 || paren < eq);
    }

    private static IReadOnlyList<FlowField>? ParsePrefixes(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text == "none")
        {
            return PrefixFields.None;
        }

        var list = new List<FlowField>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var n = name switch { "ip_dst" => "nw_dst", "ip_src" => "nw_src", _ => name };
            list.Add(FlowFields.Find(n) ?? throw new FormatException($"unknown field '{name}'"));
        }

        return list;
    }

    /// <summary>The trace text of one packet, as OVS 3.1's ofproto/trace prints it.</summary>
    public static string FormatTrace(string bridgeName, in FlowKey packet, XlateTrace trace, string megaflow, string actions)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var sb = new StringBuilder(512);
        var inv = CultureInfo.InvariantCulture;
        var flowText = FlowLineFormatter.Format(packet);
        sb.Append("Flow: ").Append(flowText).Append('\n').Append('\n');
        sb.Append("bridge(\"").Append(bridgeName).Append("\")\n");
        sb.Append('-', bridgeName.Length + 10).Append('\n');
        foreach (var e in trace.Events)
        {
            switch (e.Kind)
            {
                case XlateTraceKind.Table:
                    sb.Append(' ', 4 * e.Depth).Append(e.Table.ToString(inv).PadLeft(2)).Append(". ");
                    if (e.Entry is { } entry)
                    {
                        var m = OfctlFlowFormatter.FormatMatch(entry.Rule.Match);
                        sb.Append(m).Append(m.Length > 0 ? ", " : "").Append("priority ").Append(entry.Rule.Priority.ToString(inv));
                        if (entry.Rule.Cookie != 0)
                        {
                            sb.Append(", cookie 0x").Append(entry.Rule.Cookie.ToString("x", inv));
                        }

                        sb.Append('\n');
                        if (entry.Rule.Actions.Count == 0)
                        {
                            sb.Append(' ', 4 + (8 * e.Depth)).Append("drop\n");
                        }
                    }
                    else
                    {
                        sb.Append("No match.\n");
                        sb.Append(' ', 4 + (8 * e.Depth)).Append("drop\n");
                    }

                    break;
                case XlateTraceKind.Action:
                    sb.Append(' ', 4 + (8 * e.Depth)).Append(OfctlFlowFormatter.FormatAction(e.Action!)).Append('\n');
                    break;
                case XlateTraceKind.Note:
                    sb.Append(' ', 5 + (8 * e.Depth)).Append(e.Text).Append('\n');
                    break;
            }
        }

        var finalText = FlowLineFormatter.Format(trace.FinalFlow, trace.FinalInnerTci);
        sb.Append('\n').Append("Final flow: ").Append(finalText == flowText ? "unchanged" : finalText).Append('\n');
        sb.Append("Megaflow: ").Append(megaflow).Append('\n');
        sb.Append("Datapath actions: ").Append(actions).Append('\n');
        return sb.ToString();
    }
}
