using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using VSwarm.Actors.Bridge.Protocol;

namespace VSwarm.Host.Simulation;

/// <summary>
/// What <c>vswarm simulate</c> prints: the live table (what an operator watches with
/// <c>ovs-appctl upcall/show</c> and <c>dpctl/show</c>: packets/s, EMC and megaflow hit rates,
/// upcalls, lost, megaflows against the flow limit, revalidation rounds), plain progress lines for
/// redirected output, the final summary and the datapath flow dumps.
/// </summary>
internal static class SimulationView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The scenario heading printed before the run.</summary>
    public static void WriteHeading(IAnsiConsole console, Scenario s, TimeSpan? duration)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(s);
        var until = duration is { } d ? string.Create(Inv, $"{d.TotalSeconds:0.#} s") : "no time limit";
        if (s.PacketLimit is { } p)
        {
            until += string.Create(Inv, $", at most {p:N0} packets");
        }

        console.MarkupLine($"[bold]vswarm simulate[/] — scenario [bold]{Markup.Escape(s.Name)}[/] ({Markup.Escape(s.Source)}), {until}");
        if (s.Description.Length > 0)
        {
            console.MarkupLine(Markup.Escape(s.Description));
        }

        foreach (var b in s.Options.Bridges)
        {
            var links = string.Join(", ", b.Links.Select(l => string.Create(Inv, $"{l.Ofport}↔{l.PeerBridge}:{l.PeerOfport}")));
            console.MarkupLine(Markup.Escape(string.Create(Inv,
                $"  {b.Name}: ports {string.Join(",", b.Ports.Select(x => x.Ofport))}{(links.Length > 0 ? $" (links {links})" : string.Empty)}; {b.Shards} shard(s), {b.Handlers} handler(s), {b.Revalidators} revalidator(s), flow-limit {b.FlowLimit:N0}; {s.Flows[b.Name].Count} rules from {s.FlowSources[b.Name]}")));
        }

        foreach (var t in s.Traffic)
        {
            var dist = t.Distribution == FlowDistribution.Zipf ? string.Create(Inv, $"zipf {t.Exponent:0.##}") : "uniform";
            console.MarkupLine(Markup.Escape(string.Create(Inv,
                $"  traffic {t.Name}: {t.Rate:N0} pkt/s into {t.Bridge} ports {string.Join(",", t.Spec.InPorts)}, {t.FlowCount:N0} flows ({dist}), {string.Join("/", t.Spec.Protocols)} {t.Spec.SrcPrefix} -> {t.Spec.DstPrefix}, {t.Spec.FrameBytes} B")));
        }
    }

    /// <summary>The live table.</summary>
    public static IRenderable LiveTable(SimulationSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var title = s.Duration is { } d
            ? string.Create(Inv, $"{s.Elapsed.TotalSeconds,5:0.0} / {d.TotalSeconds:0.#} s — {s.Sent:N0} packets sent")
            : string.Create(Inv, $"{s.Elapsed.TotalSeconds,5:0.0} s — {s.Sent:N0} packets sent");
        var table = new Table { Title = new TableTitle(title) }.Border(TableBorder.Rounded);
        foreach (var c in new[] { "bridge", "pkt/s", "packets", "EMC hit", "megaflow hit", "upcalls", "lost", "megaflows", "flow limit", "reval rounds" })
        {
            table.AddColumn(c == "bridge" ? new TableColumn(c) : new TableColumn(c).RightAligned());
        }

        for (var i = 0; i < s.Bridges.Count; i++)
        {
            var b = s.Bridges[i];
            table.AddRow(
                Markup.Escape(b.Bridge), N(s.PacketsPerSecond[i]), N(b.Packets), Pct(StatsMath.EmcHitRate(b)), Pct(StatsMath.MegaflowHitRate(b)),
                N(b.Missed), b.Lost > 0 ? $"[red]{N(b.Lost)}[/]" : "0", N(b.Flows), b.Flows >= b.FlowLimit ? $"[yellow]{N(b.FlowLimit)}[/]" : N(b.FlowLimit), N(b.RevalidationRounds));
        }

        return table;
    }

    /// <summary>Plain progress lines (one per bridge) for redirected output.</summary>
    public static IEnumerable<string> PlainLines(SimulationSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        for (var i = 0; i < s.Bridges.Count; i++)
        {
            var b = s.Bridges[i];
            yield return string.Create(Inv,
                $"[{s.Elapsed.TotalSeconds,5:0.0}s] {b.Bridge}: {N(s.PacketsPerSecond[i])} pkt/s, packets {b.Packets}, emc {Pct(StatsMath.EmcHitRate(b))}, megaflow {Pct(StatsMath.MegaflowHitRate(b))}, upcalls {b.Missed}, lost {b.Lost}, megaflows {b.Flows}/{b.FlowLimit}, reval rounds {b.RevalidationRounds}");
        }
    }

    /// <summary>The final summary: per bridge and total, then sources and ports.</summary>
    public static void WriteSummary(IAnsiConsole console, SimulationResult r)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(r);
        var stats = r.Bridges.Select(b => b.Stats).Append(r.Totals).ToList();
        var table = new Table { Title = new TableTitle(string.Create(Inv, $"summary — {r.Elapsed.TotalSeconds:0.0} s of traffic, stopped by {r.StoppedBy}")) }.Border(TableBorder.Rounded);
        table.AddColumn("counter");
        foreach (var s in stats)
        {
            table.AddColumn(new TableColumn(Markup.Escape(s.Bridge)).RightAligned());
        }

        void Row(string name, Func<BridgeStats, string> f) => table.AddRow([Markup.Escape(name), .. stats.Select(f)]);
        Row("packets", s => N(s.Packets));
        Row("EMC hits", s => $"{N(s.EmcHits)} ({Pct(StatsMath.EmcHitRate(s))})");
        Row("megaflow hits", s => $"{N(s.MegaflowHits)} ({Pct(StatsMath.MegaflowHitRate(s))})");
        Row("upcalls (missed)", s => N(s.Missed));
        Row("lost", s => N(s.Lost));
        Row("megaflows now", s => N(s.Flows));
        Row("masks", s => N(s.Masks));
        Row("flow limit", s => N(s.FlowLimit));
        Row("installed", s => N(s.Installed));
        Row("duplicates (not installed)", s => N(s.Duplicates));
        Row("over limit (executed, not installed)", s => N(s.OverLimit));
        foreach (var reason in stats.SelectMany(s => s.Deleted.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            Row($"deleted: {reason}", s => N(s.Deleted.GetValueOrDefault(reason)));
        }

        Row("modified", s => N(s.Modified));
        Row("revalidation rounds", s => N(s.RevalidationRounds));
        console.Write(table);

        var sources = new Table().Border(TableBorder.Rounded).AddColumns("source", "bridge", "flows", "distribution", "rate (pkt/s)", "sent", "skipped");
        foreach (var s in r.Sources)
        {
            var dist = s.Source.Distribution == FlowDistribution.Zipf ? string.Create(Inv, $"zipf {s.Source.Exponent:0.##}") : "uniform";
            sources.AddRow(Markup.Escape(s.Source.Name), Markup.Escape(s.Source.Bridge), N(s.Source.FlowCount), dist, N(s.Source.Rate), N(s.Sent), N(s.Skipped));
        }

        console.Write(sources);

        var ports = r.Bridges.SelectMany(b => b.Ports.OrderBy(p => p.Ofport).Select(p => (b.Stats.Bridge, Port: p))).ToList();
        if (ports.Count > 0)
        {
            var pt = new Table().Border(TableBorder.Rounded).AddColumns("bridge", "port", "ofport", "peer", "rx packets", "tx packets", "drops");
            foreach (var (bridge, p) in ports)
            {
                pt.AddRow(Markup.Escape(bridge), Markup.Escape(p.Name), p.Ofport.ToString(Inv), p.PeerBridge is null ? "" : Markup.Escape(string.Create(Inv, $"{p.PeerBridge}:{p.PeerOfport}")),
                    N(p.Counters.RxPackets), N(p.Counters.TxPackets), N(p.Counters.Drops));
            }

            console.Write(pt);
        }

        var sflow = r.Bridges.Where(b => b.Sflow is not null).ToList();
        if (sflow.Count > 0)
        {
            var st = new Table { Title = new TableTitle("sFlow") }.Border(TableBorder.Rounded)
                .AddColumns("bridge", "sampler", "source", "rate", "samples", "sample pool", "drops", "datagrams (agent)");
            foreach (var b in sflow)
            {
                foreach (var (name, s) in b.Sflow!.Samplers.OrderBy(x => x.Name, StringComparer.Ordinal))
                {
                    st.AddRow(Markup.Escape(b.Stats.Bridge), Markup.Escape(name), string.Create(Inv, $"{s.SourceClass}:{s.SourceIndex}"),
                        N(s.SamplingRate), N(s.SequenceNumber), N(s.SamplePool), N(s.Drops), N(b.Sflow.Datagrams));
                }
            }

            console.Write(st);
        }
    }

    /// <summary>Each shard's megaflows in ODP syntax, like <c>ovs-appctl dpctl/dump-flows</c>.</summary>
    public static void WriteDumps(TextWriter output, SimulationResult r)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(r);
        foreach (var b in r.Bridges)
        {
            if (b.Dump is null)
            {
                output.WriteLine($"# {b.Stats.Bridge}: no datapath dump (the bridge did not answer)");
                continue;
            }

            for (var i = 0; i < b.Dump.Shards.Length; i++)
            {
                var lines = b.Dump.Shards[i];
                output.WriteLine(string.Create(Inv, $"# {b.Dump.Bridge} shard-{i}: {lines.Length} megaflows"));
                foreach (var line in lines)
                {
                    output.WriteLine(line);
                }
            }
        }
    }

    private static string N(double v) => v.ToString("N0", Inv);

    private static string N(long v) => v.ToString("N0", Inv);

    private static string Pct(double v) => (v * 100).ToString("0.0", Inv) + "%";
}
