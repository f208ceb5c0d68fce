using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.ClassBench;
using VSwarm.Messages.Flow;

namespace VSwarm.Bench.Classifier;

/// <summary>
/// ClassBench "Song" filter sets with their traces (set VSWARM_CLASSBENCH_DIR to the directory
/// holding rules/ and traces/; the benchmarks do nothing and say so when it is unset). Lookup
/// benchmarks: one operation = one trace packet. Update benchmark: one operation = one insert or
/// one delete (all rules inserted into an empty classifier, then all deleted).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class ClassBenchBenchmarks
{
    private const int Ops = 97_000;
    private FlowKey[] _packets = [];
    private List<ClassifierRule<int>> _rules = [];
    private TupleSpaceClassifier<int> _cls = new();
    private bool _skip;

    [Params("acl1_10K", "fw1_10K", "ipc1_10K")]
    public string Set { get; set; } = "acl1_10K";

    [GlobalSetup]
    public void Setup()
    {
        var dir = Environment.GetEnvironmentVariable("VSWARM_CLASSBENCH_DIR");
        if (string.IsNullOrEmpty(dir) || !File.Exists(Path.Combine(dir, "rules", Set)))
        {
            Console.WriteLine("// ClassBench benchmarks skipped: set VSWARM_CLASSBENCH_DIR to a directory with rules/<set> and traces/<set>_trace");
            _skip = true;
            return;
        }

        using var rulesFile = File.OpenText(Path.Combine(dir, "rules", Set));
        var filters = ClassBenchReader.ReadRules(rulesFile);
        using var traceFile = File.OpenText(Path.Combine(dir, "traces", Set + "_trace"));
        var trace = ClassBenchReader.ReadTrace(traceFile);
        _packets = [.. trace.Select(p => p.ToFlowKey())];

        GC.Collect();
        var before = GC.GetTotalMemory(true);
        _rules = ClassBenchReader.ToClassifierRules(filters);
        var afterRules = GC.GetTotalMemory(true);
        _cls = Build(_rules);
        var afterCls = GC.GetTotalMemory(true);

        long visited = 0, bits = 0;
        var wrong = 0;
        var megaflows = new HashSet<Match>();
        for (var i = 0; i < _packets.Length; i++)
        {
            var wc = default(FlowMask);
            wc.Unwildcard(FlowFields.InPort);
            wc.Unwildcard(FlowFields.DlType);
            var r = _cls.Lookup(_packets[i], 0, ref wc, out var n);
            visited += n;
            megaflows.Add(new Match(_packets[i], wc));
            if (r is null || r.Payload + 1 != trace[i].Match)
            {
                wrong++;
            }
        }

        foreach (var m in megaflows)
        {
            foreach (var w in m.Mask.ReadOnlyWords)
            {
                bits += (long)ulong.PopCount(w);
            }
        }

        Console.WriteLine($"// classbench {Set}: filters {filters.Count}, rules {_rules.Count}, subtables {_cls.SubtableCount}, "
            + $"packets {_packets.Length}, first-match disagreements {wrong}, subtables visited/lookup {(double)visited / _packets.Length:F2}, "
            + $"distinct megaflows {megaflows.Count} (avg {(double)bits / megaflows.Count:F1} mask bits), "
            + $"bytes/rule: rule objects {(afterRules - before) / (double)_rules.Count:F0}, classifier {(afterCls - afterRules) / (double)_rules.Count:F0}");
    }

    private static TupleSpaceClassifier<int> Build(List<ClassifierRule<int>> rules)
    {
        var cls = new TupleSpaceClassifier<int>();
        foreach (var r in rules)
        {
            cls.Insert(r);
        }

        return cls;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int LookupWithoutWildcards()
    {
        var hits = 0;
        var packets = _packets;
        if (packets.Length == 0)
        {
            return 0;
        }

        for (int i = 0, j = 0; i < Ops; i++, j = j + 1 == packets.Length ? 0 : j + 1)
        {
            hits += _cls.Lookup(packets[j], 0) is null ? 0 : 1;
        }

        return hits;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int LookupWithWildcards()
    {
        var hits = 0;
        var packets = _packets;
        if (packets.Length == 0)
        {
            return 0;
        }

        for (int i = 0, j = 0; i < Ops; i++, j = j + 1 == packets.Length ? 0 : j + 1)
        {
            var wc = default(FlowMask);
            hits += _cls.Lookup(packets[j], 0, ref wc) is null ? 0 : 1;
        }

        return hits;
    }

    /// <summary>Per invocation: every rule inserted then removed (divide by 2 × rules for one update).</summary>
    [Benchmark]
    public int InsertThenDeleteAll()
    {
        if (_skip)
        {
            return 0;
        }

        var cls = Build(_rules);
        foreach (var r in _rules)
        {
            cls.Remove(r);
        }

        return cls.Count;
    }
}
