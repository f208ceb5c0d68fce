using System.Diagnostics;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.ClassBench;

/// <summary>What replaying a ClassBench trace through a classifier measured.</summary>
/// <param name="Rules">Classifier rules after port-range expansion.</param>
/// <param name="Lookups">Packets looked up.</param>
/// <param name="LookupsPerSecond">Lookups with wildcard tracking per second (a separate timed pass).</param>
/// <param name="SubtablesPerLookup">Average subtables visited per lookup (for the decision tree: rules checked per lookup).</param>
/// <param name="Megaflows">Megaflows installed, counted as the datapath would: a packet that an installed megaflow already matches creates none, so this equals the upcalls.</param>
/// <param name="Masks">Distinct megaflow masks.</param>
/// <param name="Mismatches">Lookups whose rule is not the trace's expected first match (Song traces carry it; 1-based).</param>
public sealed record ClassBenchReplayResult(
    int Rules, int Lookups, double LookupsPerSecond, double SubtablesPerLookup, int Megaflows, int Masks, int Mismatches)
{
    /// <summary>Time to load the rules (for the decision tree: side-table inserts, rebuilds and the final build).</summary>
    public double LoadMilliseconds { get; init; }

    /// <summary>The decision tree's shape, when the replay ran on one.</summary>
    public DtTreeStats? Tree { get; init; }
}

/// <summary>
/// Replays a ClassBench trace the way the project's OVS 3.1 goldens were made: each header becomes
/// an IPv4 packet on in_port 1 (TTL 64; L4 ports only for TCP and UDP, as OVS's replay built
/// bare IPv4 packets for other protocols), translated with OVS's initial and finishing wildcards
/// around one table lookup, and installed unless an installed megaflow already covers it.
/// </summary>
public static class ClassBenchReplay
{
    /// <summary>
    /// Runs the replay on a tuple space classifier with the given prefix fields, or, with
    /// <paramref name="classifier"/> <c>dt</c>, on a <see cref="DecisionTreeClassifier{T}"/>
    /// (built once after loading; <see cref="ClassBenchReplayResult.SubtablesPerLookup"/> then
    /// counts the rules checked per lookup).
    /// </summary>
    public static ClassBenchReplayResult Run(
        IReadOnlyList<ClassBenchRule> filters, IReadOnlyList<ClassBenchPacket> trace, IReadOnlyList<FlowField>? prefixes = null,
        string classifier = "tss")
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(trace);
        var rules = ClassBenchReader.ToClassifierRules(filters);
        IClassifier<int> cls = classifier switch
        {
            "tss" => new TupleSpaceClassifier<int>(prefixes),
            "dt" => new DecisionTreeClassifier<int>(),
            _ => throw new ArgumentException($"unknown classifier '{classifier}' (tss or dt)", nameof(classifier)),
        };
        var load = Stopwatch.StartNew();
        foreach (var r in rules)
        {
            cls.Replace(r);
        }

        (cls as DecisionTreeClassifier<int>)?.Rebuild();
        var loadMs = load.Elapsed.TotalMilliseconds;

        var packets = trace.Select(ToPacket).ToArray();
        var installed = new Dictionary<FlowMask, HashSet<FlowKey>>();
        long visited = 0;
        var megaflows = 0;
        var mismatches = 0;
        for (var i = 0; i < packets.Length; i++)
        {
            var p = packets[i];
            var wc = MegaflowWildcards.Initial(p);
            int n;
            var hit = cls is TupleSpaceClassifier<int> tss
                ? tss.Lookup(p, ClassifierVersion.Min, ref wc, out n)
                : ((DecisionTreeClassifier<int>)cls).Lookup(p, ClassifierVersion.Min, ref wc, out n);
            MegaflowWildcards.Finish(ref wc, p);
            visited += n;
            if (trace[i].Match > 0 && (hit is null || hit.Payload + 1 != trace[i].Match))
            {
                mismatches++;
            }

            if (!Covered(installed, p))
            {
                megaflows++;
                if (!installed.TryGetValue(wc, out var keys))
                {
                    installed[wc] = keys = [];
                }

                keys.Add(p.Masked(wc));
            }
        }

        var sw = Stopwatch.StartNew();
        var passes = 0;
        do
        {
            foreach (var p in packets)
            {
                var wc = default(FlowMask);
                cls.Lookup(p, ClassifierVersion.Min, ref wc);
            }

            passes++;
        }
        while (sw.ElapsedMilliseconds < 500);

        var lps = packets.Length * (double)passes / sw.Elapsed.TotalSeconds;
        return new ClassBenchReplayResult(rules.Count, packets.Length, lps, packets.Length == 0 ? 0 : (double)visited / packets.Length,
            megaflows, installed.Count, mismatches)
        {
            LoadMilliseconds = loadMs,
            Tree = (cls as DecisionTreeClassifier<int>)?.TreeStats,
        };
    }

    /// <summary>The packet OVS's replay built for a trace header.</summary>
    public static FlowKey ToPacket(ClassBenchPacket h)
    {
        var k = default(FlowKey);
        k.InPort = 1;
        k.DlSrc = 0x5054_0000_0005;
        k.DlDst = 0x5054_0000_0007;
        k.DlType = EtherType.Ipv4;
        k.NwSrc = h.Src;
        k.NwDst = h.Dst;
        k.NwProto = h.Proto;
        k.NwTtl = 64;
        if (h.Proto is 6 or 17)
        {
            k.TpSrc = h.SrcPort;
            k.TpDst = h.DstPort;
        }

        return k;
    }

    private static bool Covered(Dictionary<FlowMask, HashSet<FlowKey>> installed, in FlowKey p)
    {
        foreach (var (mask, keys) in installed)
        {
            if (keys.Contains(p.Masked(mask)))
            {
                return true;
            }
        }

        return false;
    }
}
