using System.Collections.Immutable;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Revalidator;
using VSwarm.Actors.Upcall;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Runtime;

namespace VSwarm.Actors.Bridge;

/// <summary>Settings of a complete bridge beyond its <see cref="BridgeOptions"/> (VSwarm knobs with no OVS equivalent).</summary>
public sealed record BridgeFactorySettings
{
    /// <summary>
    /// Packets the bridge lets wait for one shard (sent, not yet processed). Beyond it the bridge
    /// drops a slice and counts its packets lost (the NIC's RX ring overflowing). Default 65536.
    /// </summary>
    public int ShardBacklogPackets { get; init; } = 65_536;

    /// <summary>How long a handler or revalidator waits for a shard's reply before it counts the ops failed. Default 1 s.</summary>
    public TimeSpan DpifTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a shard re-ranks its megaflow subtables. Default 1 s (OVS's PMD optimisation interval).</summary>
    public TimeSpan OptimizeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Classifier timing.</summary>
    public ClassifierSettings Classifier { get; init; } = new();

    /// <summary>
    /// The sFlow agent to plug in as the bridge's <c>sflow</c> child (created when the bridge has
    /// collectors); shards send it the ACTION upcalls (<c>DpifUpcall</c>) of sampled packets. Null:
    /// no agent, and ACTION upcalls are counted in <see cref="BridgeRuntime.Unrouted"/>.
    /// </summary>
    public Func<BridgeContext, Props>? Sflow { get; init; }

    /// <summary>Seed of the shards' random generators (EMC insertion, sampling); shard i uses seed + i.</summary>
    public uint Seed { get; init; } = 0xD47A;
}

/// <summary>
/// Builds a complete bridge: classifier, datapath shards, upcall handlers and revalidators, all
/// sharing one <see cref="BridgeRuntime"/> (the udpif state, the translation context and the
/// counters that survive actor restarts).
/// </summary>
public static class BridgeFactory
{
    /// <summary>The Props of a complete bridge over fresh state.</summary>
    public static Props Create(BridgeOptions options, BridgeFactorySettings? settings = null) =>
        Create(new BridgeState(options), settings);

    /// <summary>The Props of a complete bridge over an existing state (rules rebuilt from elsewhere).</summary>
    public static Props Create(BridgeState state, BridgeFactorySettings? settings = null) => Create(CreateRuntime(state, settings));

    /// <summary>The Props of a complete bridge over a runtime made by <see cref="CreateRuntime"/> (keep it to read stats without messages).</summary>
    public static Props Create(BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Props.Create(() => new BridgeActor(runtime.State, Components(runtime), runtime.Settings.Classifier, runtime));
    }

    /// <summary>The runtime (shared state) of a bridge.</summary>
    public static BridgeRuntime CreateRuntime(BridgeState state, BridgeFactorySettings? settings = null) =>
        new(state, settings ?? new BridgeFactorySettings());

    /// <summary>The components (shard, handler, revalidator factories) over a runtime.</summary>
    public static BridgeComponents Components(BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return new BridgeComponents
        {
            Shard = (ctx, i) => DatapathShardActor.Props(ctx, i, runtime),
            Handler = (ctx, i) => UpcallHandlerActor.Props(ctx, i, runtime),
            Revalidator = (ctx, i) => RevalidatorActor.Props(ctx, i, runtime),
            // A bridge with sFlow collectors gets VSwarm's agent unless the caller plugs its own.
            Sflow = runtime.Settings.Sflow ?? (runtime.Options.Sflow.Enabled ? Sflow.SflowAgentActor.Factory() : null),
        };
    }
}

/// <summary>
/// What a bridge's datapath actors share and what outlives their restarts (OVS: struct udpif plus
/// the dpif's counters): the <see cref="UdpifState"/>, the translation context, each handler's
/// <see cref="UpcallProcessor"/> and each revalidator's <see cref="RevalidatorCore"/> (their
/// counters survive a crash of the actor), the shards' published counters (a restarted shard
/// starts empty; its old counters are kept in a retired total) and the loss counters. Thread-safe
/// for readers; each slot has one writer.
/// </summary>
public sealed class BridgeRuntime
{
    private readonly object _gate = new();
    private readonly DatapathShardStats[] _shards;
    private readonly long[] _received;
    private readonly long[] _backlog;
    private readonly int[] _incarnations;
    private readonly UpcallProcessor?[] _processors;
    private readonly RevalidatorCore?[] _revalidators;
    private DatapathShardStats _retired;
    private long _retiredReceived, _ingressLost, _handlerLost, _unrouted, _purged, _shardRestarts, _dpifTimeouts, _rounds;

    internal BridgeRuntime(BridgeState state, BridgeFactorySettings settings)
    {
        State = state;
        Settings = settings;
        var o = state.Options;
        _shards = new DatapathShardStats[Math.Max(o.Shards, 0)];
        _received = new long[_shards.Length];
        _backlog = new long[_shards.Length];
        _incarnations = new int[_shards.Length];
        _processors = new UpcallProcessor?[Math.Max(o.Handlers, 0)];
        _revalidators = new RevalidatorCore?[Math.Max(o.Revalidators, 0)];
        Udpif = new UdpifState(
            new UdpifOptions
            {
                FlowLimit = o.FlowLimit,
                MaxIdleMs = o.MaxIdleMs,
                MaxRevalidatorMs = o.MaxRevalidatorMs,
                MinRevalidatePps = o.MinRevalidatePps,
            },
            () => FlowCount);
        XlateBridge = new XlateBridge(
            o.Ports.Select(p => new XlatePort((uint)p.Ofport, p.Ifindex > 0 ? (uint)p.Ifindex : null)),
            sflow: o.Sflow.Enabled ? new SflowSampling((uint)o.Sflow.Sampling, (uint)o.Sflow.Header) : null,
            name: o.Name,
            sflowFlows: o.Sflow.Enabled
                ? [.. o.Sflow.Flows.Select(f => new SflowFlowSampling(f.CookieValue, f.MaskValue, new SflowSampling((uint)Math.Max(0, f.Sampling ?? o.Sflow.Sampling), (uint)o.Sflow.Header)))]
                : null);
        Translator = new Xlate.Xlate(state.Tables, XlateBridge);
    }

    /// <summary>The bridge's options.</summary>
    public BridgeOptions Options => State.Options;

    /// <summary>The bridge's tables and ports.</summary>
    public BridgeState State { get; }

    /// <summary>Factory settings.</summary>
    public BridgeFactorySettings Settings { get; }

    /// <summary>State shared by handlers and revalidators.</summary>
    public UdpifState Udpif { get; }

    /// <summary>The bridge as translation sees it (ports with ifindexes).</summary>
    public XlateBridge XlateBridge { get; }

    /// <summary>The translator over the bridge's tables (thread-safe).</summary>
    public Xlate.Xlate Translator { get; }

    /// <summary>Megaflows installed now, all shards.</summary>
    public long FlowCount
    {
        get
        {
            lock (_gate)
            {
                long n = 0;
                foreach (var s in _shards)
                {
                    n += s.Flows;
                }

                return n;
            }
        }
    }

    /// <summary>Ukeys removed because their shard restarted empty.</summary>
    public long PurgedUkeys => Interlocked.Read(ref _purged);

    /// <summary>Shard restarts so far.</summary>
    public long ShardRestarts => Interlocked.Read(ref _shardRestarts);

    /// <summary>Upcalls lost in handler crashes (buffered or waiting for the shard's reply).</summary>
    public long HandlerLost => Interlocked.Read(ref _handlerLost);

    /// <summary>dpif batches that got no reply in time (a crashed or stopped shard).</summary>
    public long DpifTimeouts => Interlocked.Read(ref _dpifTimeouts);

    /// <summary>Packets dropped at ingress because a shard's backlog was full.</summary>
    public long IngressLost => Interlocked.Read(ref _ingressLost);

    /// <summary>ACTION upcalls that had nowhere to go (no sFlow agent) plus MISS upcalls without a handler.</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    /// <summary>The shard a packet with this key goes to: a hash of in_port and the 5-tuple (RSS), modulo the shard count.</summary>
    public int ShardOf(in FlowKey key) => _shards.Length == 0 ? 0 : (int)(FiveTupleHash(key) % (uint)_shards.Length);

    /// <summary>The handler a MISS upcall of this key goes to (a different hash basis than <see cref="ShardOf"/>).</summary>
    public int HandlerOf(in FlowKey key) => _processors.Length == 0 ? 0 : (int)((FiveTupleHash(key) >> 17) % (uint)_processors.Length);

    /// <summary>A deterministic hash of in_port, IPv4/IPv6 addresses, nw_proto and L4 ports.</summary>
    public static ulong FiveTupleHash(in FlowKey key)
    {
        var h = 0xcbf29ce484222325UL;
        h = Mix(h, key.InPort);
        h = Mix(h, ((ulong)key.NwSrc << 32) | key.NwDst);
        h = Mix(h, (ulong)(key.Ipv6Src >> 64) ^ (ulong)key.Ipv6Src);
        h = Mix(h, ((ulong)key.NwProto << 32) | ((ulong)key.TpSrc << 16) | key.TpDst);
        return h ^ (h >> 29);

        static ulong Mix(ulong h, ulong v) => (h ^ v) * 0x100000001b3UL * 0x9E3779B97F4A7C15UL;
    }

    /// <summary>The processor of handler <paramref name="index"/> (created once; survives restarts of the actor).</summary>
    public UpcallProcessor Processor(int index)
    {
        lock (_gate)
        {
            return _processors[index] ??= new UpcallProcessor(Udpif, Translator, () => State.Tables.Version, NowMs);
        }
    }

    /// <summary>The core of revalidator <paramref name="index"/> (created once; survives restarts of the actor).</summary>
    public RevalidatorCore Revalidator(int index)
    {
        lock (_gate)
        {
            return _revalidators[index] ??= new RevalidatorCore(Udpif, Translator, () => State.Tables.Version, NowMs, index, _revalidators.Length);
        }
    }

    /// <summary>The bridge clock (set by the first actor from its scheduler).</summary>
    public long NowMs() => _scheduler is { } s ? BridgeState.NowMs(s) : 0;

    private IScheduler? _scheduler;

    internal void UseScheduler(IScheduler scheduler) => _scheduler ??= scheduler;

    // ------------------------------------------------------------- shard slots

    /// <summary>Called by a shard actor when it starts; returns its incarnation (0 = first start).</summary>
    internal int ShardStarted(int index)
    {
        lock (_gate)
        {
            _shards[index] = default;
            var n = _incarnations[index]++;
            if (n > 0)
            {
                _shardRestarts++;
            }

            return n;
        }
    }

    /// <summary>Called by a shard actor when it stops: its counters move to the retired total.</summary>
    internal void ShardStopped(int index)
    {
        lock (_gate)
        {
            var s = _shards[index];
            _retired = new DatapathShardStats(_retired.Hit + s.Hit, _retired.Missed + s.Missed, _retired.Lost + s.Lost, 0, 0,
                _retired.EmcHits + s.EmcHits, _retired.MegaflowHits + s.MegaflowHits, _retired.MaskHits + s.MaskHits,
                _retired.ActionUpcalls + s.ActionUpcalls, _retired.Executed + s.Executed);
            _retiredReceived += _received[index];
            _received[index] = 0;
            _shards[index] = default;
        }
    }

    internal void PublishShard(int index, in DatapathShardStats stats, long received)
    {
        lock (_gate)
        {
            _shards[index] = stats;
            _received[index] = received;
        }
    }

    /// <summary>Reserves backlog for <paramref name="packets"/> on a shard; false (and counted lost) when it is full.</summary>
    internal bool TryReserveBacklog(int shard, int packets)
    {
        if (Interlocked.Add(ref _backlog[shard], packets) > Settings.ShardBacklogPackets)
        {
            Interlocked.Add(ref _backlog[shard], -packets);
            Interlocked.Add(ref _ingressLost, packets);
            return false;
        }

        return true;
    }

    internal void ReleaseBacklog(int shard, int packets) => Interlocked.Add(ref _backlog[shard], -packets);

    /// <summary>Forgets the ukeys of flows that lived in a shard that restarted empty, so upcalls can install them again.</summary>
    internal int PurgeUkeysOf(int shard)
    {
        var n = 0;
        foreach (var u in Udpif.Ukeys.All().ToList())
        {
            if (ShardOf(u.Key) == shard && Udpif.Ukeys.Remove(u))
            {
                n++;
            }
        }

        Interlocked.Add(ref _purged, n);
        return n;
    }

    internal void CountHandlerLost(long n) => Interlocked.Add(ref _handlerLost, n);

    internal void CountUnrouted(long n) => Interlocked.Add(ref _unrouted, n);

    internal void CountDpifTimeout() => Interlocked.Increment(ref _dpifTimeouts);

    internal void CountRound() => Interlocked.Increment(ref _rounds);

    private long _roundIds;

    internal long NextRoundId() => Interlocked.Increment(ref _roundIds);

    // ------------------------------------------------------------- snapshot

    /// <summary>The bridge's counters now (what <see cref="GetBridgeStats"/> answers).</summary>
    public BridgeStats Snapshot()
    {
        DatapathShardStats sum;
        long received, masks = 0, flows = 0;
        lock (_gate)
        {
            sum = _retired;
            received = _retiredReceived;
            for (var i = 0; i < _shards.Length; i++)
            {
                var s = _shards[i];
                sum = new DatapathShardStats(sum.Hit + s.Hit, sum.Missed + s.Missed, sum.Lost + s.Lost, 0, 0, sum.EmcHits + s.EmcHits,
                    sum.MegaflowHits + s.MegaflowHits, sum.MaskHits + s.MaskHits, sum.ActionUpcalls + s.ActionUpcalls,
                    sum.Executed + s.Executed);
                flows += s.Flows;
                masks += s.Masks;
                received += _received[i];
            }
        }

        long installed = 0, duplicates = 0, overLimit = 0;
        foreach (var p in _processors)
        {
            if (p is not null)
            {
                var c = p.Counters;
                installed += c.Installed;
                duplicates += c.Duplicates;
                overLimit += c.OverLimit;
            }
        }

        long modified = 0;
        var deleted = ImmutableDictionary.CreateBuilder<string, long>();
        foreach (var r in _revalidators)
        {
            if (r is null)
            {
                continue;
            }

            modified += r.Counters.Modified;
            foreach (var reason in DeleteReasons.All)
            {
                var n = r.DeletedBy(reason);
                if (n > 0)
                {
                    deleted[reason.OvsName()] = deleted.GetValueOrDefault(reason.OvsName()) + n;
                }
            }
        }

        var lost = sum.Lost + IngressLost + HandlerLost;
        return new BridgeStats(Options.Name, received, sum.EmcHits, sum.MegaflowHits, sum.Missed, lost, flows, masks, Udpif.FlowLimit,
            installed, duplicates, overLimit, Interlocked.Read(ref _rounds), deleted.ToImmutable(), modified);
    }

    /// <summary>EEXIST failures of the handlers' flow puts (ovs-brief §9 item 25).</summary>
    public long PutEexist => _processors.Sum(p => p?.Counters.PutEexist ?? 0);

    /// <summary>The handlers' counters summed.</summary>
    public UpcallCounters HandlerCounters
    {
        get
        {
            UpcallCounters t = default;
            foreach (var p in _processors)
            {
                if (p is null)
                {
                    continue;
                }

                var c = p.Counters;
                t = new UpcallCounters(t.Upcalls + c.Upcalls, t.Misses + c.Misses, t.Installed + c.Installed, t.Duplicates + c.Duplicates,
                    t.OverLimit + c.OverLimit, t.PutFailures + c.PutFailures, t.PutEexist + c.PutEexist, t.Executes + c.Executes,
                    t.Routed + c.Routed, t.Bad + c.Bad, t.XlateErrors + c.XlateErrors, t.Conflicts + c.Conflicts, t.Replaced + c.Replaced);
            }

            return t;
        }
    }
}
