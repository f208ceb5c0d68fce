using System.Text.Json;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using Xunit;

namespace VSwarm.Tests.Unit.Oracle;

/// <summary>
/// Differential test against the real OVS 3.1: VSwarm's tuple space classifier, with
/// translation's initial and finishing wildcards around it, must produce exactly OVS's
/// <c>Megaflow:</c> line and pick the same rule, for every packet of the recorded cases in
/// tests/Golden/Classifier (generated and recorded by tests/Oracle/record-classifier.sh).
/// </summary>
public class ClassifierOracleTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Golden("Classifier"), "*.rules").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(f));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Megaflows_and_rules_equal_ovs_3_1(string name)
    {
        var golden = GoldenCase.Load(name);
        var cls = new TupleSpaceClassifier<OpenFlowRule>(golden.Prefixes);
        foreach (var rule in golden.Rules)
        {
            cls.Replace(new ClassifierRule<OpenFlowRule>(rule.Match, rule.Priority, rule));
        }

        var failures = new List<string>();
        foreach (var expect in golden.Expected)
        {
            var packet = OfctlFlowParser.ParseFlow(expect.Packet, $"{name}.packets", requireActions: false).Match.Key;
            var wc = MegaflowWildcards.Initial(packet);
            var hit = cls.Lookup(packet, ClassifierVersion.Min, ref wc);
            MegaflowWildcards.Finish(ref wc, packet);
            var megaflow = MegaflowFormatter.Format(new Match(packet, wc));
            if (megaflow != expect.Megaflow)
            {
                failures.Add($"{expect.Packet}\n  ovs:    {expect.Megaflow}\n  vswarm: {megaflow}");
            }

            var rule = hit?.Payload;
            if (rule?.Priority != expect.Priority || (rule is not null && OfctlFlowFormatter.FormatMatch(rule.Match) != expect.RuleMatch))
            {
                failures.Add($"{expect.Packet}\n  ovs rule:    priority {expect.Priority} {expect.RuleMatch}\n  vswarm rule: priority {rule?.Priority} {(rule is null ? "none" : OfctlFlowFormatter.FormatMatch(rule.Match))}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {golden.Expected.Count} packets differ from OVS 3.1:\n{string.Join('\n', failures.Take(15))}");
    }
}

/// <summary>One recorded case: rules, prefix configuration and OVS's answers.</summary>
internal sealed record GoldenCase(IReadOnlyList<OpenFlowRule> Rules, IReadOnlyList<FlowField>? Prefixes, IReadOnlyList<GoldenTrace> Expected)
{
    public static GoldenCase Load(string name)
    {
        var rulesText = File.ReadAllText(RepoPaths.Golden("Classifier", name + ".rules"));
        var rules = OfctlFlowParser.ParseFileOrThrow(rulesText, name + ".rules");
        IReadOnlyList<FlowField>? prefixes = null;
        foreach (var line in rulesText.Split('\n'))
        {
            if (line.StartsWith("# prefixes=", StringComparison.Ordinal))
            {
                var list = line["# prefixes=".Length..].Trim();
                prefixes = list == "none" ? PrefixFields.None : [.. list.Split(',').Select(n => FlowFields.Find(n) ?? throw new InvalidDataException(n))];
            }
        }

        var expected = File.ReadAllLines(RepoPaths.Golden("Classifier", name + ".expected"))
            .Where(l => l.Length > 0)
            .Select(GoldenTrace.Parse)
            .ToList();
        return new GoldenCase(rules, prefixes, expected);
    }
}

/// <summary>One line of an .expected file: what ofproto/trace printed for one packet.</summary>
internal sealed record GoldenTrace(string Packet, string Megaflow, string Actions, int? Priority, string? RuleMatch)
{
    public static GoldenTrace Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var rules = root.GetProperty("rules");
        int? priority = null;
        string? match = null;
        if (rules.GetArrayLength() > 0 && rules[0].GetProperty("priority").ValueKind == JsonValueKind.Number)
        {
            priority = rules[0].GetProperty("priority").GetInt32();
            match = rules[0].GetProperty("match").GetString();
        }

        return new GoldenTrace(
            root.GetProperty("packet").GetString()!,
            root.GetProperty("megaflow").GetString()!,
            root.GetProperty("actions").GetString()!,
            priority,
            match);
    }
}
