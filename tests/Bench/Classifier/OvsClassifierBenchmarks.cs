using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Classifier.Workloads;

namespace VSwarm.Bench.Classifier;

/// <summary>
/// OVS's own <c>ovstest test-classifier benchmark N_RULES N_PRIORITIES N_SUBTABLES 1 1000000</c>
/// workload (see <see cref="OvsClassifierBenchmark"/>): one operation = one lookup. Compare with
/// shared/bench/ovs-classifier-bench.sh run in the same session.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class OvsClassifierBenchmarks
{
    private const int Lookups = 1_000_000;
    private OvsClassifierBenchmark _w = null!;

    /// <summary>N_RULES/N_PRIORITIES/N_SUBTABLES.</summary>
    [Params("1000/1/10", "1000/1000/10", "10000/1/10", "10000/1000/50")]
    public string Args { get; set; } = "1000/1/10";

    [GlobalSetup]
    public void Setup()
    {
        var a = Args.Split('/').Select(int.Parse).ToArray();
        _w = OvsClassifierBenchmark.Build(a[0], a[1], a[2]);
        var (hits, misses) = _w.Run(Lookups, useWildcards: true);
        Console.WriteLine($"// ovs-workload {Args}: rules inserted {_w.RulesInserted}, subtables {_w.Classifier.SubtableCount}, hits {hits}, misses {misses}");
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int WithoutWildcards() => _w.Run(Lookups, useWildcards: false).Hits;

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int WithWildcards() => _w.Run(Lookups, useWildcards: true).Hits;
}
