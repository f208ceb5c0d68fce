using System.Collections.Immutable;
using System.Diagnostics;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Sflow;
using VSwarm.Actors.Config;
using VSwarm.Runtime;

namespace VSwarm.Host.Simulation;

/// <summary>The running bridges of a simulation, by name.</summary>
internal interface ISimulationFabric : IAsyncDisposable
{
    /// <summary>Each bridge's actor (it takes <see cref="PacketsIn"/>, <see cref="AddFlows"/>, <see cref="GetBridgeStats"/>…).</summary>
    IReadOnlyDictionary<string, IActorRef> Bridges { get; }
}

/// <summary>Starts the bridges of <paramref name="options"/> (with their patch links) in <paramref name="system"/>.</summary>
internal delegate Task<ISimulationFabric> FabricFactory(ActorSystem system, VSwarmOptions options, CancellationToken cancellationToken);

/// <summary>What the live display gets about four times a second.</summary>
/// <param name="Elapsed">Time since traffic started.</param>
/// <param name="Duration">The planned duration (null: until the packet limit).</param>
/// <param name="Sent">Packets the pump sent.</param>
/// <param name="Bridges">Each bridge's latest counters.</param>
/// <param name="PacketsPerSecond">Per bridge, packets/s received since the previous sample.</param>
/// <param name="Final">True for the sample taken after traffic stopped.</param>
internal sealed record SimulationSample(TimeSpan Elapsed, TimeSpan? Duration, long Sent, IReadOnlyList<BridgeStats> Bridges, IReadOnlyList<double> PacketsPerSecond, bool Final);

/// <summary>One traffic source's outcome.</summary>
internal sealed record SourceResult(TrafficSource Source, long Sent, long Skipped);

/// <summary>One bridge's outcome.</summary>
internal sealed record BridgeResult(BridgeStats Stats, ImmutableArray<PortStatus> Ports, DatapathFlowsDump? Dump, SflowAgentStats? Sflow = null);

/// <summary>Everything a run produced.</summary>
internal sealed record SimulationResult(
    Scenario Scenario,
    DateTimeOffset StartedAt,
    TimeSpan Elapsed,
    TimeSpan? Duration,
    string StoppedBy,
    long PacketsSent,
    IReadOnlyList<SourceResult> Sources,
    IReadOnlyList<BridgeResult> Bridges)
{
    /// <summary>The counters summed over all bridges (<see cref="BridgeStats.Bridge"/> is "total").</summary>
    public BridgeStats Totals => StatsMath.Sum(Bridges.Select(b => b.Stats));
}

/// <summary>A run that could not start or finish (exit code 1); the message says why.</summary>
internal sealed class SimulationException : Exception
{
    public SimulationException()
    {
    }

    public SimulationException(string message)
        : base(message)
    {
    }

    public SimulationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Runs a scenario: creates the actor system and the bridges, loads each bridge's rules
/// (<see cref="AddFlows"/>), pumps traffic for the duration (or packet count), samples every
/// bridge's <see cref="BridgeStats"/> about four times a second, waits for the datapaths to drain,
/// and collects the final counters, port counters and (optionally) datapath flow dumps.
/// </summary>
internal static class SimulationRunner
{
    /// <summary>How often the bridges are sampled.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FlowLoadTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="scenario"/>; <paramref name="onSample"/> is called from one task at a time.</summary>
    public static async Task<SimulationResult> RunAsync(
        Scenario scenario,
        TimeSpan? durationOverride,
        bool dumpFlows,
        FabricFactory fabricFactory,
        Action<SimulationSample>? onSample,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(fabricFactory);
        var duration = durationOverride ?? scenario.Duration;
        var system = ActorSystem.Create("vswarm-sim", new ActorSystemOptions { LogDeadLettersDuringShutdown = false });
        ISimulationFabric? fabric = null;
        try
        {
            try
            {
                fabric = await fabricFactory(system, scenario.Options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new SimulationException($"cannot start the bridges: {e.Message}", e);
            }

            var names = scenario.Options.Bridges.Select(b => b.Name).ToArray();
            var refs = names.Select(n => fabric.Bridges.TryGetValue(n, out var r) ? r : throw new SimulationException($"the fabric did not start bridge {n}")).ToArray();

            // Rules first, on every bridge, before any packet.
            var loads = names.Select((n, i) => LoadFlowsAsync(refs[i], n, scenario.Flows[n])).ToArray();
            await Task.WhenAll(loads).ConfigureAwait(false);

            var pump = new TrafficPump(scenario.Traffic.Select(t => (t, refs[Array.IndexOf(names, t.Bridge)])), scenario.PacketLimit);
            var startedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pumping = pump.RunAsync(duration, stop.Token);

            var last = new BridgeStats?[names.Length];
            var lastPackets = new long[names.Length];
            var lastTime = TimeSpan.Zero;
            async Task<BridgeStats[]> Sample(bool final)
            {
                var stats = await Task.WhenAll(refs.Select((r, i) => AskStatsAsync(r, names[i], last[i], final))).ConfigureAwait(false);
                var now = clock.Elapsed;
                var dt = (now - lastTime).TotalSeconds;
                var pps = stats.Select((s, i) => dt > 0 ? (s.Packets - lastPackets[i]) / dt : 0).ToArray();
                for (var i = 0; i < stats.Length; i++)
                {
                    last[i] = stats[i];
                    lastPackets[i] = stats[i].Packets;
                }

                lastTime = now;
                onSample?.Invoke(new SimulationSample(now, duration, pump.Sent, stats, pps, final));
                return stats;
            }

            while (!pumping.IsCompleted)
            {
                await Task.WhenAny(pumping, Task.Delay(SampleInterval, CancellationToken.None)).ConfigureAwait(false);
                if (!pumping.IsCompleted)
                {
                    await Sample(false).ConfigureAwait(false);
                }
            }

            await pumping.ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            var stoppedBy = cancellationToken.IsCancellationRequested ? "cancelled" : pump.LimitReached ? "packets" : "duration";

            // Drain: wait until the bridges' packet counts stop moving (at most 3 s).
            var previous = -1L;
            var drain = Stopwatch.StartNew();
            while (drain.Elapsed < TimeSpan.FromSeconds(3))
            {
                await Task.Delay(SampleInterval, CancellationToken.None).ConfigureAwait(false);
                var s = await Task.WhenAll(refs.Select((r, i) => AskStatsAsync(r, names[i], last[i], false))).ConfigureAwait(false);
                var total = s.Sum(x => x.Packets + x.Missed);
                if (total == previous)
                {
                    break;
                }

                previous = total;
            }

            var final = await Sample(true).ConfigureAwait(false);
            var bridges = new List<BridgeResult>();
            for (var i = 0; i < refs.Length; i++)
            {
                var ports = await AskOrDefault<Ports>(refs[i], GetPorts.Instance).ConfigureAwait(false);
                var dump = dumpFlows ? await AskOrDefault<DatapathFlowsDump>(refs[i], DumpDatapathFlows.Instance).ConfigureAwait(false) : null;
                var sflow = scenario.Options.Bridges[i].Sflow.Enabled
                    ? await AskOrDefault<SflowAgentStats>(refs[i], new GetSflowAgentStats { Final = true }).ConfigureAwait(false)
                    : null;
                bridges.Add(new BridgeResult(final[i], ports?.Items ?? [], dump, sflow));
            }

            var sources = pump.Sources.Select(s => new SourceResult(s.Source, s.Sent, s.Skipped)).ToList();
            return new SimulationResult(scenario, startedAt, elapsed, duration, stoppedBy, pump.Sent, sources, bridges);
        }
        finally
        {
            if (fabric is not null)
            {
                await fabric.DisposeAsync().ConfigureAwait(false);
            }

            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task LoadFlowsAsync(IActorRef bridge, string name, IReadOnlyList<Messages.OpenFlow.OpenFlowRule> rules)
    {
        if (rules.Count == 0)
        {
            return;
        }

        Actors.Tables.FlowModResult result;
        try
        {
            result = await bridge.Ask<Actors.Tables.FlowModResult>(AddFlows.FromRules(rules), FlowLoadTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or ArgumentException)
        {
            throw new SimulationException($"bridge {name} did not take its {rules.Count} rules: {e.Message}", e);
        }

        if (!result.IsSuccess)
        {
            throw new SimulationException($"bridge {name} refused its rules: {result.Error}");
        }
    }

    private static async Task<BridgeStats> AskStatsAsync(IActorRef bridge, string name, BridgeStats? last, bool required)
    {
        try
        {
            return await bridge.Ask<BridgeStats>(GetBridgeStats.Instance, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or ArgumentException)
        {
            if (required || last is null)
            {
                throw new SimulationException($"bridge {name} did not answer GetBridgeStats: {e.Message}", e);
            }

            return last;
        }
    }

    private static async Task<T?> AskOrDefault<T>(IActorRef bridge, object message)
        where T : class
    {
        try
        {
            return await bridge.Ask<T>(message, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>Sums and ratios of <see cref="BridgeStats"/>.</summary>
internal static class StatsMath
{
    /// <summary>The sum of every counter (the flow limit too: the fabric's total capacity).</summary>
    public static BridgeStats Sum(IEnumerable<BridgeStats> stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var t = new BridgeStats("total", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ImmutableDictionary<string, long>.Empty, 0);
        foreach (var s in stats)
        {
            var deleted = t.Deleted;
            foreach (var (k, v) in s.Deleted)
            {
                deleted = deleted.SetItem(k, deleted.GetValueOrDefault(k) + v);
            }

            t = new BridgeStats(
                "total", t.Packets + s.Packets, t.EmcHits + s.EmcHits, t.MegaflowHits + s.MegaflowHits, t.Missed + s.Missed,
                t.Lost + s.Lost, t.Flows + s.Flows, t.Masks + s.Masks, t.FlowLimit + s.FlowLimit, t.Installed + s.Installed,
                t.Duplicates + s.Duplicates, t.OverLimit + s.OverLimit, t.RevalidationRounds + s.RevalidationRounds, deleted, t.Modified + s.Modified);
        }

        return t;
    }

    /// <summary>EMC hits / packets (0 when no packet).</summary>
    public static double EmcHitRate(BridgeStats s) => s.Packets == 0 ? 0 : (double)s.EmcHits / s.Packets;

    /// <summary>Megaflow hits (not counting EMC hits) / packets.</summary>
    public static double MegaflowHitRate(BridgeStats s) => s.Packets == 0 ? 0 : (double)s.MegaflowHits / s.Packets;
}
