using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.ClassBench;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Messages.Flow;

namespace VSwarm.Bench.Classifier;

/// <summary>
/// Tuple space search and the decision tree side by side on the ClassBench Song sets at 1K and 10K
/// (set VSWARM_CLASSBENCH_DIR to the directory holding rules/ and traces/; without it every case
/// does nothing and says so). Timed: <c>Lookup</c> (one operation = one trace packet, with
/// wildcard tracking), <c>Build</c> (one operation = loading every rule into an empty classifier:
/// TSS inserts one by one, the tree bulk-loads and builds once) and <c>Update</c> (one operation =
/// one removal or one insertion of a loaded rule; 1,000 of each per invocation, the tree's
/// background rebuilds included as they happen). Counted once per case and printed as
/// <c>// replay …</c> lines: megaflows and distinct masks after replaying the trace (the replay of
/// docs/benchmarks.md §3, to compare with OVS 3.1's goldens), first-match mismatches and bytes per
/// rule (managed heap growth while building, divided by the rules).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, id: "short")]
public class ClassifierComparisonBenchmarks
{
    private const int UpdateRules = 1000;
    private FlowKey[] _packets = [];
    private List<ClassifierRule<int>> _rules = [];
    private ClassifierRule<int>[] _updated = [];
    private IClassifier<int> _cls = new TupleSpaceClassifier<int>();
    private IReadOnlyList<ClassBenchRule> _filters = [];
    private IReadOnlyList<ClassBenchPacket> _trace = [];

    [Params("acl1_1K", "fw1_1K", "ipc1_1K", "acl1_10K", "fw1_10K", "ipc1_10K")]
    public string Set { get; set; } = "acl1_1K";

    [Params("tss", "dt")]
    public string Classifier { get; set; } = "tss";

    private bool Load()
    {
        var dir = Environment.GetEnvironmentVariable("VSWARM_CLASSBENCH_DIR");
        if (string.IsNullOrEmpty(dir) || !File.Exists(Path.Combine(dir, "rules", Set)))
        {
            Console.WriteLine("// classifier comparison skipped: set VSWARM_CLASSBENCH_DIR to a directory with rules/<set> and traces/<set>_trace");
            return false;
        }

        using (var rulesFile = File.OpenText(Path.Combine(dir, "rules", Set)))
        {
            _filters = ClassBenchReader.ReadRules(rulesFile);
        }

        using (var traceFile = File.OpenText(Path.Combine(dir, "traces", Set + "_trace")))
        {
            _trace = ClassBenchReader.ReadTrace(traceFile);
        }

        _packets = [.. _trace.Select(ClassBenchReplay.ToPacket)];
        _rules = ClassBenchReader.ToClassifierRules(_filters);
        _updated = [.. _rules.Where((_, i) => i % Math.Max(1, _rules.Count / UpdateRules) == 0).Take(UpdateRules)];
        return true;
    }

    private IClassifier<int> Build()
    {
        if (Classifier == "dt")
        {
            var dt = new DecisionTreeClassifier<int>();
            dt.InsertRange(_rules);
            return dt;
        }

        var tss = new TupleSpaceClassifier<int>(PrefixFields.Parse("nw_dst,nw_src"));
        foreach (var r in _rules)
        {
            tss.Insert(r);
        }

        return tss;
    }

    [GlobalSetup(Target = nameof(Lookup))]
    public void SetupLookup()
    {
        if (!Load())
        {
            return;
        }

        GC.Collect();
        var before = GC.GetTotalMemory(true);
        _cls = Build();
        var after = GC.GetTotalMemory(true);
        var replay = ClassBenchReplay.Run(_filters, _trace, PrefixFields.Parse("nw_dst,nw_src"), Classifier);
        Console.WriteLine($"// replay {Set} {Classifier}: rules {_rules.Count}, packets {_packets.Length}, megaflows {replay.Megaflows}, "
            + $"masks {replay.Masks}, mismatches {replay.Mismatches}, bytes/rule {(after - before) / (double)_rules.Count:F0}");
    }

    [GlobalSetup(Targets = [nameof(BuildAll), nameof(Update)])]
    public void SetupOthers()
    {
        if (Load())
        {
            _cls = Build();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => (_cls as DecisionTreeClassifier<int>)?.WaitForRebuild();

    /// <summary>One pass over the trace; BenchmarkDotNet divides by the packets per pass (97,000 at most).</summary>
    [Benchmark(OperationsPerInvoke = 100_000)]
    public int Lookup()
    {
        var packets = _packets;
        if (packets.Length == 0)
        {
            return 0;
        }

        var hits = 0;
        for (int i = 0, j = 0; i < 100_000; i++, j = j + 1 == packets.Length ? 0 : j + 1)
        {
            var wc = default(FlowMask);
            hits += _cls.Lookup(packets[j], ClassifierVersion.Min, ref wc) is null ? 0 : 1;
        }

        return hits;
    }

    [Benchmark(OperationsPerInvoke = 1)]
    public int BuildAll() => _rules.Count == 0 ? 0 : Build().Count;

    /// <summary>Removes 1,000 loaded rules, then inserts them again.</summary>
    [Benchmark(OperationsPerInvoke = 2 * UpdateRules)]
    public int Update()
    {
        foreach (var r in _updated)
        {
            _cls.Remove(r);
        }

        foreach (var r in _updated)
        {
            _cls.Insert(r);
        }

        return _cls.Count;
    }
}
