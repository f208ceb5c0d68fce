using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.ClassBench;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Messages.Flow;

namespace VSwarm.Bench.Classifier;

/// <summary>
/// The tuple-space-explosion packets of classifier-anchors §5.3 through TSS, the tree and the tree
/// with 8-bit aligned wildcards: one operation = one packet replayed through the megaflow-cache
/// model (hit, or upcall + lookup + install), from an empty cache each invocation. The setup
/// prints megaflows, distinct masks and masks probed per hit (<c>// tse …</c>).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, id: "short")]
public class TupleSpaceExplosionBenchmarks
{
    private FlowKey[] _packets = [];
    private IClassifier<int> _cls = new TupleSpaceClassifier<int>();

    [Params("random", "crafted")]
    public string Packets { get; set; } = "crafted";

    [Params("tss", "dt", "dt-align8")]
    public string Classifier { get; set; } = "tss";

    [GlobalSetup]
    public void Setup()
    {
        _packets = Packets == "random" ? TupleSpaceExplosion.RandomPackets(5000, 7) : TupleSpaceExplosion.CraftedPackets(3, 7);
        _cls = Classifier switch
        {
            "tss" => new TupleSpaceClassifier<int>(PrefixFields.Parse("nw_dst,nw_src")),
            "dt" => new DecisionTreeClassifier<int>(),
            _ => new DecisionTreeClassifier<int>(maskAlign: 8),
        };
        foreach (var r in TupleSpaceExplosion.Rules())
        {
            _cls.Insert(r);
        }

        (_cls as DecisionTreeClassifier<int>)?.Rebuild();
        var r0 = TupleSpaceExplosion.Replay(_cls, _packets);
        Console.WriteLine($"// tse {Packets} {Classifier}: packets {r0.Packets}, megaflows {r0.Megaflows}, masks {r0.Masks}, "
            + $"masks probed per hit {r0.MasksProbedPerHit:F2}");
    }

    [Benchmark]
    public int Replay() => TupleSpaceExplosion.Replay(_cls, _packets).Megaflows;
}
