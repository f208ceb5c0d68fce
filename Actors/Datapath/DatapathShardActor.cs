using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Odp;
using VSwarm.Runtime;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// The actor shell of one <see cref="DatapathShard"/> (<c>datapath/shard-i</c>): a PMD thread.
/// </summary>
/// <remarks>
/// <para>Receives packet slices (<see cref="PacketsIn"/>, ≤ 32 per ProcessBatch) from the bridge,
/// then drains the shard's bounded upcall queue: MISS upcalls go, grouped per handler (chosen by
/// flow hash, <see cref="BridgeRuntime.HandlerOf"/>), as <see cref="UpcallsIn"/> to the handler
/// group with <see cref="ToMember"/>; ACTION upcalls (sFlow, userspace) go to the bridge's
/// <c>sflow</c> child when sFlow is on (VSwarm's agent, or the one plugged through <see cref="BridgeFactorySettings.Sflow"/>), else are counted (<see cref="BridgeRuntime.Unrouted"/>).
/// What the queue could not take is counted lost by the shard (n_lost); lost sFlow upcalls are
/// also reported to the agent (<see cref="Sflow.SflowUpcallsLost"/>) so each sampler counts them in its drops.</para>
/// <para>Answers dpif messages from anyone: single put/del/get/execute → <see cref="DpifReply"/>,
/// dump request → <see cref="DpifFlowDumpBatch"/>, <see cref="DpifBatch"/> →
/// <see cref="DpifBatchReply"/>; <see cref="DumpShardFlows"/> → <see cref="ShardFlows"/>.</para>
/// <para>Outputs are summed per port and sent to the bridge as <see cref="PacketsOut"/> after each
/// message (with the frames for patch ports). Re-ranks subtables every second. A restarted shard
/// is empty (its megaflows come back through upcalls); when it stops or crashes it purges the ukeys of its flows
/// (<see cref="BridgeRuntime.PurgeUkeysOf"/>) so the handlers can install them again.</para>
/// </remarks>
public sealed class DatapathShardActor : ReceiveActor, IWithTimers
{
    private readonly BridgeContext _ctx;
    private readonly int _index;
    private readonly BridgeRuntime _rt;
    private readonly DatapathShard _shard;
    private readonly Outputs _out;
    private readonly ActorSelection? _sflow;
    private readonly Dictionary<(ulong, Messages.Cookies.SflowCookieFlags, uint), long> _lostSflow = [];
    private long _received;

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public DatapathShardActor(BridgeContext ctx, int index, BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(runtime);
        _ctx = ctx;
        _index = index;
        _rt = runtime;
        _rt.UseScheduler(Context.System.Scheduler);
        var o = ctx.Options;
        var scheduler = Context.System.Scheduler;
        var rng = new Random((int)(runtime.Settings.Seed + (uint)index));
        _shard = new DatapathShard(
            new DatapathShardOptions
            {
                UpcallQueueCapacity = Math.Max(1, o.UpcallQueueCapacity),
                EmcEntries = o.EmcSize > 0 ? o.EmcSize : Emc.DefaultEntries,
                EmcInsertInverseProbability = o.EmcSize > 0 ? (uint)Math.Max(0, o.EmcInsertInvProb) : 0,
            },
            () => BridgeState.NowMs(scheduler),
            _out = new Outputs([.. o.Links.Select(l => (uint)l.Ofport)]),
            () => (uint)rng.NextInt64(0, 1L << 32));
        _sflow = o.Sflow.Enabled && BridgeFactory.Components(runtime).Sflow is not null ? Context.ActorSelection(ctx.Bridge.Path.ToString() + "/sflow") : null;
        if (_sflow is not null)
        {
            _shard.Upcalls.Dropped = u =>
            {
                if (u.Type == DpifUpcallType.Action && u.Cookie is Messages.Cookies.SflowCookie c)
                {
                    var k = (c.RuleCookie, c.Flags, c.SamplingRate);
                    _lostSflow[k] = _lostSflow.GetValueOrDefault(k) + 1;
                }
            };
        }

        Receive<PacketsIn>(OnPackets);
        Receive<DpifBatch>(OnBatch);
        Receive<DpifFlowDumpRequest>(m => Reply(_shard.Dump(m)));
        Receive<DpifFlowPut>(m => Reply(_shard.Put(m)));
        Receive<DpifFlowDel>(m => Reply(_shard.Delete(m)));
        Receive<DpifFlowGet>(m => Reply(_shard.Get(m)));
        Receive<DpifExecute>(m => Reply(_shard.Execute(m)));
        Receive<DumpShardFlows>(_ => Sender.Tell(Dump()));
        Receive<OptimizeTick>(_ => _shard.Optimize());
        Receive<InjectFailure>(m => throw new InjectedFailureException(m.Reason));
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The shard being run (for tests in the same process).</summary>
    internal DatapathShard Shard => _shard;

    /// <summary>The Props of shard <paramref name="index"/> of a bridge.</summary>
    public static Props Props(BridgeContext ctx, int index, BridgeRuntime runtime) =>
        Runtime.Props.Create(() => new DatapathShardActor(ctx, index, runtime));

    /// <inheritdoc/>
    protected override void PreStart()
    {
        if (_rt.ShardStarted(_index) > 0)
        {
            Context.GetLogger().Info("shard {0} of {1} restarted empty", _index, _ctx.Options.Name);
        }

        Publish();
        Timers.StartPeriodicTimer(OptimizeTick.Instance, OptimizeTick.Instance, _rt.Settings.OptimizeInterval);
    }

    /// <inheritdoc/>
    protected override void PostStop()
    {
        // The flows die with the shard: forget their ukeys first (so no handler sees a duplicate
        // for a flow that is gone), then retire the counters (flows 0).
        var purged = _rt.PurgeUkeysOf(_index);
        if (purged > 0)
        {
            Context.GetLogger().Info("shard {0} of {1} stopped; purged {2} ukeys", _index, _ctx.Options.Name, purged);
        }

        _rt.ShardStopped(_index);
    }

    private void OnPackets(PacketsIn m)
    {
        var packets = m.Packets.AsSpan();
        try
        {
            for (var i = 0; i < packets.Length; i += DatapathShardOptions.MaxBatch)
            {
                _shard.ProcessBatch(packets.Slice(i, Math.Min(DatapathShardOptions.MaxBatch, packets.Length - i)));
                _received += Math.Min(DatapathShardOptions.MaxBatch, packets.Length - i);
                DrainUpcalls();
            }
        }
        finally
        {
            _rt.ReleaseBacklog(_index, packets.Length);
        }

        FlushOutputs();
        Publish();
    }

    private void OnBatch(DpifBatch m)
    {
        var replies = ImmutableArray.CreateBuilder<DpifMessage>(m.Ops.Length);
        foreach (var op in m.Ops)
        {
            replies.Add(op is DpifFlowDumpRequest r ? _shard.Dump(r) : _shard.Operate(op));
        }

        Sender.Tell(new DpifBatchReply(m.Id, _index, replies.MoveToImmutable()));
        DrainUpcalls(); // executes may have queued ACTION upcalls
        FlushOutputs();
        Publish();
    }

    private void Reply(DpifMessage reply)
    {
        Sender.Tell(reply);
        DrainUpcalls();
        FlushOutputs();
        Publish();
    }

    private ShardFlows Dump()
    {
        var now = (ulong)Math.Max(0, BridgeState.NowMs(Context.System.Scheduler));
        var flows = _shard.Flows.Flows.Select(f => f.ToDatapathFlow()).ToImmutableArray();
        return new ShardFlows(_index, flows, [.. flows.Select(f => OdpFormatter.FormatFlow(f, now))]);
    }

    private readonly List<DpifUpcall> _drained = [];

    private void DrainUpcalls()
    {
        if (_lostSflow.Count > 0)
        {
            _sflow?.Tell(new Sflow.SflowUpcallsLost([.. _lostSflow.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value))]), Self);
            _lostSflow.Clear();
        }

        if (_shard.Upcalls.Count == 0)
        {
            return;
        }

        _drained.Clear();
        _shard.Upcalls.Drain(_drained);
        var handlers = _ctx.Options.Handlers;
        Dictionary<int, ImmutableArray<DpifUpcall>.Builder>? perHandler = null;
        foreach (var u in _drained)
        {
            if (u.Type == DpifUpcallType.Miss)
            {
                if (handlers <= 0 || _ctx.Handlers.Equals(ActorRefs.Nobody))
                {
                    _rt.CountUnrouted(1);
                    continue;
                }

                perHandler ??= [];
                var h = _rt.HandlerOf(u.Key);
                if (!perHandler.TryGetValue(h, out var list))
                {
                    perHandler[h] = list = ImmutableArray.CreateBuilder<DpifUpcall>();
                }

                list.Add(u);
            }
            else if (_sflow is not null)
            {
                _sflow.Tell(u, Self);
            }
            else
            {
                _rt.CountUnrouted(1);
            }
        }

        if (perHandler is not null)
        {
            foreach (var (h, list) in perHandler)
            {
                _ctx.Handlers.Tell(new ToMember(h, new UpcallsIn(_index, list.ToImmutable())), Self);
            }
        }
    }

    private void FlushOutputs()
    {
        foreach (var m in _out.Take(_ctx.Options.Name))
        {
            _ctx.Bridge.Tell(m, Self);
        }
    }

    private void Publish() => _rt.PublishShard(_index, _shard.Stats, _received);

    /// <summary>Collects OUTPUT actions per port during one message.</summary>
    private sealed class Outputs(HashSet<uint> linked) : IDatapathOutput
    {
        private readonly SortedDictionary<uint, (long Packets, long Bytes, List<byte[]>? Frames)> _ports = [];

        public void Output(uint port, ReadOnlySpan<byte> frame)
        {
            var e = _ports.TryGetValue(port, out var x) ? x : (0, 0, linked.Contains(port) ? new List<byte[]>() : null);
            e.Frames?.Add(frame.ToArray());
            _ports[port] = (e.Packets + 1, e.Bytes + frame.Length, e.Frames);
        }

        public List<PacketsOut> Take(string bridge)
        {
            var r = new List<PacketsOut>(_ports.Count);
            foreach (var (port, e) in _ports)
            {
                r.Add(new PacketsOut(bridge, (int)port, e.Packets, e.Bytes, e.Frames is null ? default : [.. e.Frames]));
            }

            _ports.Clear();
            return r;
        }
    }

    private sealed class OptimizeTick
    {
        public static OptimizeTick Instance { get; } = new();
    }
}
