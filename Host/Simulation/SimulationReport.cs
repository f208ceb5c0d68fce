using System.Text.Json;
using System.Text.Json.Serialization;
using VSwarm.Actors.Bridge.Protocol;

namespace VSwarm.Host.Simulation;

/// <summary>
/// The <c>--report FILE.json</c> document: the scenario, how long it ran and why it stopped, each
/// source's packets, every counter of every bridge (<see cref="BridgeStats"/> plus hit rates and
/// port counters) and the totals over all bridges.
/// </summary>
internal sealed record SimulationReport(
    ReportScenario Scenario,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string StoppedBy,
    long PacketsSent,
    IReadOnlyList<ReportSource> Sources,
    IReadOnlyList<ReportBridge> Bridges,
    ReportCounters Totals)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Builds the report of a run.</summary>
    public static SimulationReport From(SimulationResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var s = r.Scenario;
        return new SimulationReport(
            new ReportScenario(s.Name, s.Description, s.Source, r.Duration?.TotalSeconds, s.PacketLimit,
                [.. s.Options.Bridges.Select(b => new ReportScenarioBridge(b.Name, s.Flows[b.Name].Count, s.FlowSources[b.Name], b.Shards, b.Handlers, b.Revalidators, b.FlowLimit))]),
            r.StartedAt,
            Math.Round(r.Elapsed.TotalSeconds, 3),
            r.StoppedBy,
            r.PacketsSent,
            [.. r.Sources.Select(x => new ReportSource(x.Source.Name, x.Source.Bridge, x.Source.Rate, x.Source.FlowCount, x.Source.Distribution, x.Source.Distribution == FlowDistribution.Zipf ? x.Source.Exponent : null, x.Sent, x.Skipped))],
            [.. r.Bridges.Select(b => new ReportBridge(b.Stats.Bridge, ReportCounters.From(b.Stats), [.. b.Ports.Select(p => new ReportPort(p.Name, p.Ofport, p.Ifindex, p.PeerBridge, p.PeerBridge is null ? null : p.PeerOfport, p.Counters.RxPackets, p.Counters.RxBytes, p.Counters.TxPackets, p.Counters.TxBytes, p.Counters.Drops))],
                b.Sflow is null ? null : new ReportSflow(b.Sflow.Datagrams, b.Sflow.Samples, b.Sflow.Rejected, b.Sflow.CounterSamples, b.Sflow.Collisions,
                    [.. b.Sflow.Samplers.Select(x => new ReportSampler(x.Name, x.Stats.SourceClass, x.Stats.SourceIndex, x.Stats.SamplingRate, x.Stats.SequenceNumber, x.Stats.SamplePool, x.Stats.Drops))])))],
            ReportCounters.From(r.Totals));
    }

    /// <summary>The report as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>The scenario part of the report.</summary>
internal sealed record ReportScenario(string Name, string Description, string Source, double? PlannedDurationSeconds, long? PacketLimit, IReadOnlyList<ReportScenarioBridge> Bridges);

/// <summary>One bridge as configured.</summary>
internal sealed record ReportScenarioBridge(string Name, int Rules, string Flows, int Shards, int Handlers, int Revalidators, int FlowLimit);

/// <summary>One traffic source's outcome.</summary>
internal sealed record ReportSource(string Name, string Bridge, double Rate, int Flows, FlowDistribution Distribution, double? Exponent, long Sent, long Skipped);

/// <summary>One bridge's counters and ports.</summary>
internal sealed record ReportBridge(string Name, ReportCounters Stats, IReadOnlyList<ReportPort> Ports, ReportSflow? Sflow = null);

/// <summary>A bridge's sFlow agent: datagrams, flow and counter samples sent, per-flow index collisions, and each sampler's counters.</summary>
internal sealed record ReportSflow(long Datagrams, long Samples, long Rejected, long CounterSamples, long Collisions, IReadOnlyList<ReportSampler> Samplers);

/// <summary>One sampler (data source) of an sFlow agent.</summary>
internal sealed record ReportSampler(string Name, uint SourceClass, uint SourceIndex, uint SamplingRate, uint Samples, uint SamplePool, uint Drops);

/// <summary>One port's counters.</summary>
internal sealed record ReportPort(string Name, int Ofport, int Ifindex, string? PeerBridge, int? PeerOfport, long RxPackets, long RxBytes, long TxPackets, long TxBytes, long Drops);

/// <summary>Every <see cref="BridgeStats"/> counter, plus the hit rates (0..1).</summary>
internal sealed record ReportCounters(
    long Packets,
    long EmcHits,
    long MegaflowHits,
    double EmcHitRate,
    double MegaflowHitRate,
    long Missed,
    long Lost,
    long Flows,
    long Masks,
    long FlowLimit,
    long Installed,
    long Duplicates,
    long OverLimit,
    long RevalidationRounds,
    IReadOnlyDictionary<string, long> Deleted,
    long Modified)
{
    /// <summary>From a bridge's (or the total) counters.</summary>
    public static ReportCounters From(BridgeStats s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Packets, s.EmcHits, s.MegaflowHits, Math.Round(StatsMath.EmcHitRate(s), 6), Math.Round(StatsMath.MegaflowHitRate(s), 6),
            s.Missed, s.Lost, s.Flows, s.Masks, s.FlowLimit, s.Installed, s.Duplicates, s.OverLimit, s.RevalidationRounds,
            new SortedDictionary<string, long>(s.Deleted, StringComparer.Ordinal), s.Modified);
    }
}
