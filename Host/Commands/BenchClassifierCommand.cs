using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.ClassBench;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm bench classifier --rules FILE --trace FILE [--prefixes LIST|none] [--format json] [--classifier tss|dt]`:
/// replays a ClassBench trace through the tuple space classifier (or the decision tree) and reports rules, lookups/s,
/// subtables per lookup, megaflows and masks (as the datapath would count them) and first-match
/// mismatches.
/// </summary>
internal static class BenchClassifierCommand
{
    public static Command Create()
    {
        var rules = new Option<FileInfo>("--rules") { Description = "ClassBench filter set (Song or standard format)", Required = true };
        var trace = new Option<FileInfo>("--trace") { Description = "ClassBench trace", Required = true };
        var prefixes = new Option<string>("--prefixes") { Description = "prefix-trie fields, e.g. nw_dst,nw_src (default) or none", DefaultValueFactory = _ => "nw_dst,nw_src" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var kind = new Option<string>("--classifier") { Description = "tss (tuple space search) or dt (decision tree)", DefaultValueFactory = _ => "tss" };
        kind.AcceptOnlyFromAmong("tss", "dt");
        var classifier = new Command("classifier", "Replay a ClassBench trace through the classifier") { rules, trace, prefixes, format, kind };
        classifier.SetAction(pr => Run(pr.GetValue(rules)!, pr.GetValue(trace)!, pr.GetValue(prefixes)!, pr.GetValue(format)!, Console.Out, Console.Error,
            pr.GetValue(kind)!));
        return new Command("bench", "Measure parts of VSwarm") { classifier };
    }

    /// <summary>The command's body; returns the exit code (2 for bad input).</summary>
    public static int Run(FileInfo rulesFile, FileInfo traceFile, string prefixText, string format, TextWriter output, TextWriter error,
        string classifierKind = "tss")
    {
        IReadOnlyList<ClassBenchRule> filters;
        IReadOnlyList<ClassBenchPacket> packets;
        IReadOnlyList<Messages.Flow.FlowField> prefixes;
        try
        {
            prefixes = PrefixFields.Parse(prefixText);
            using (var r = rulesFile.OpenText())
            {
                filters = ClassBenchReader.ReadRules(r);
            }

            using (var t = traceFile.OpenText())
            {
                packets = ClassBenchReader.ReadTrace(t);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or UnauthorizedAccessException)
        {
            error.WriteLine($"vswarm bench classifier: {e.Message}");
            return 2;
        }

        var result = ClassBenchReplay.Run(filters, packets, prefixes, classifierKind);
        if (format == "json")
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["rules"] = result.Rules,
                ["lookups"] = result.Lookups,
                ["lookups_per_second"] = Math.Round(result.LookupsPerSecond),
                ["subtables_per_lookup"] = Math.Round(result.SubtablesPerLookup, 3),
                ["megaflows"] = result.Megaflows,
                ["masks"] = result.Masks,
                ["mismatches"] = result.Mismatches,
            }));
            return 0;
        }

        var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string k, string v) => table.AddRow(k, v);
        Row("rules (after range expansion)", result.Rules.ToString(CultureInfo.InvariantCulture));
        Row("lookups", result.Lookups.ToString(CultureInfo.InvariantCulture));
        Row("lookups/s (with wildcards)", result.LookupsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        Row("classifier", classifierKind);
        Row(classifierKind == "dt" ? "rules checked per lookup" : "subtables visited per lookup", result.SubtablesPerLookup.ToString("F2", CultureInfo.InvariantCulture));
        Row("megaflows (= upcalls)", result.Megaflows.ToString(CultureInfo.InvariantCulture));
        Row("distinct masks", result.Masks.ToString(CultureInfo.InvariantCulture));
        Row("first-match mismatches", result.Mismatches.ToString(CultureInfo.InvariantCulture));
        Row("load time (ms)", result.LoadMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        if (result.Tree is { } tree)
        {
            Row("trees / cuts / leaves / depth", string.Create(CultureInfo.InvariantCulture, $"{tree.Trees} / {tree.Nodes} / {tree.Leaves} / {tree.MaxDepth}"));
            Row("leaf rule references", tree.LeafEntries.ToString(CultureInfo.InvariantCulture));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        console.Write(table);
        return 0;
    }
}
