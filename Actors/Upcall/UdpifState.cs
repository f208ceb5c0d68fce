namespace VSwarm.Actors.Upcall;

/// <summary>Settings shared by a bridge's handlers and revalidators (OVS defaults, ovs-brief §2.6).</summary>
public sealed record UdpifOptions
{
    /// <summary>other_config:flow-limit, the hard ceiling of the dynamic limit.</summary>
    public long FlowLimit { get; init; } = 200_000;

    /// <summary>other_config:max-idle (ms).</summary>
    public long MaxIdleMs { get; init; } = 10_000;

    /// <summary>Idle time used while n_flows &gt; flow_limit (ms).</summary>
    public long OverLimitIdleMs { get; init; } = 100;

    /// <summary>other_config:max-revalidator (ms).</summary>
    public long MaxRevalidatorMs { get; init; } = 500;

    /// <summary>other_config:min-revalidate-pps (0 = always revalidate).</summary>
    public long MinRevalidatePps { get; init; } = 5;

    /// <summary>Number of ukey map shards (N_UMAPS).</summary>
    public int UkeyShards { get; init; } = UkeyMap.DefaultShards;

    /// <summary>Flows per revalidator dump batch (REVALIDATE_MAX_BATCH).</summary>
    public int DumpBatch { get; init; } = 50;

    /// <summary>Consecutive missed dumps after which a ukey is deleted (flow_missing_dp).</summary>
    public int MaxMissedDumps { get; init; } = 4;
}

/// <summary>
/// The state one bridge's handlers and revalidators share (OVS's struct udpif): the ukey maps, the
/// dynamic flow limit, reval_seq (bumped when translations may have changed), dump_seq (bumped
/// after each revalidation round), the last round's duration, and the datapath flow count.
/// Thread-safe.
/// </summary>
public sealed class UdpifState
{
    private readonly Func<long> _flowCount;
    private long _flowLimit;
    private ulong _revalSeq;
    private ulong _dumpSeq = 1;
    private long _dumpDuration;

    /// <summary>Creates the state.</summary>
    /// <param name="options">Settings (null = defaults).</param>
    /// <param name="flowCount">The datapath's current flow count (n_flows; may be a cached figure).</param>
    public UdpifState(UdpifOptions? options, Func<long> flowCount)
    {
        ArgumentNullException.ThrowIfNull(flowCount);
        Options = options ?? new UdpifOptions();
        _flowCount = flowCount;
        _flowLimit = Math.Min(Options.FlowLimit, 10_000);
        Ukeys = new UkeyMap(Options.UkeyShards);
    }

    /// <summary>The settings.</summary>
    public UdpifOptions Options { get; }

    /// <summary>The ukeys.</summary>
    public UkeyMap Ukeys { get; }

    /// <summary>The datapath flow count now.</summary>
    public long FlowCount => _flowCount();

    /// <summary>The dynamic flow limit (starts at min(flow-limit, 10000)).</summary>
    public long FlowLimit
    {
        get => Interlocked.Read(ref _flowLimit);
        set => Interlocked.Exchange(ref _flowLimit, value);
    }

    /// <summary>The current reval_seq.</summary>
    public ulong RevalSeq => Interlocked.Read(ref _revalSeq);

    /// <summary>The current dump_seq.</summary>
    public ulong DumpSeq => Interlocked.Read(ref _dumpSeq);

    /// <summary>Duration of the last revalidation round (ms; 0 before the first).</summary>
    public long DumpDurationMs
    {
        get => Interlocked.Read(ref _dumpDuration);
        set => Interlocked.Exchange(ref _dumpDuration, value);
    }

    /// <summary>Largest flow count seen at a round start (upcall/show's max).</summary>
    public long MaxFlows { get; set; }

    /// <summary>Running average of the flow count at round starts ((avg + n) / 2).</summary>
    public long AvgFlows { get; set; }

    /// <summary>Marks every cached translation stale (a table changed, a port toggled, …); returns the new value.</summary>
    public ulong BumpRevalSeq() => Interlocked.Increment(ref _revalSeq);

    /// <summary>Ends a round: bumps dump_seq; returns the new value.</summary>
    public ulong BumpDumpSeq() => Interlocked.Increment(ref _dumpSeq);
}
