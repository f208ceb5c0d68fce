using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Messages.Dpif;
using VSwarm.Runtime;

namespace VSwarm.Actors.Upcall;

/// <summary>
/// The actor shell of an upcall handler (<c>handlers/handler-i</c>) around the bridge's
/// <see cref="UpcallProcessor"/> for index i (kept in <see cref="BridgeRuntime"/>, so its
/// counters survive a restart).
/// </summary>
/// <remarks>
/// <para><see cref="UpcallsIn"/> messages are buffered; the first one of a burst sends the handler
/// a flush message, so everything that reached the mailbox before the flush is handled together,
/// per shard in batches of at most 64 (UPCALL_MAX_BATCH). Each batch's ops (FlowPut CREATE, then
/// Execute) go to the originating shard (the sender of the upcalls) as one <see cref="DpifBatch"/>;
/// the <see cref="DpifBatchReply"/> completes the batch (ukeys OPERATIONAL or EVICTED).</para>
/// <para>Nothing disappears silently: a batch whose reply does not come within
/// <see cref="BridgeFactorySettings.DpifTimeout"/> is completed as failed (ukeys EVICTED, counted
/// in <see cref="BridgeRuntime.DpifTimeouts"/>); when the handler crashes or stops, the upcalls it
/// buffered or still waited for are counted lost (<see cref="BridgeRuntime.HandlerLost"/>) and the
/// ukeys of their puts are EVICTED, so they cannot block a later install.</para>
/// </remarks>
public sealed class UpcallHandlerActor : ReceiveActor, IWithTimers
{
    private readonly BridgeContext _ctx;
    private readonly int _index;
    private readonly BridgeRuntime _rt;
    private readonly UpcallProcessor _processor;
    private readonly List<(IActorRef Shard, UpcallsIn Upcalls)> _buffer = [];
    private readonly Dictionary<long, Pending> _pending = [];
    private bool _flushQueued;
    private long _nextId;

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public UpcallHandlerActor(BridgeContext ctx, int index, BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(runtime);
        _ctx = ctx;
        _index = index;
        _rt = runtime;
        _rt.UseScheduler(Context.System.Scheduler);
        _processor = runtime.Processor(index);

        Receive<UpcallsIn>(m =>
        {
            _buffer.Add((Sender, m));
            if (!_flushQueued)
            {
                _flushQueued = true;
                Self.Tell(Flush.Instance, Self);
            }
        });
        Receive<Flush>(_ => OnFlush());
        Receive<DpifBatchReply>(OnReply);
        Receive<CheckTimeouts>(_ => OnCheckTimeouts());
        Receive<InjectFailure>(m => throw new InjectedFailureException(m.Reason));
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The Props of handler <paramref name="index"/> of a bridge.</summary>
    public static Props Props(BridgeContext ctx, int index, BridgeRuntime runtime) =>
        Runtime.Props.Create(() => new UpcallHandlerActor(ctx, index, runtime));

    /// <inheritdoc/>
    protected override void PreStart() =>
        Timers.StartPeriodicTimer(CheckTimeouts.Instance, CheckTimeouts.Instance, _rt.Settings.DpifTimeout);

    /// <inheritdoc/>
    protected override void PostStop()
    {
        long lost = 0;
        foreach (var (_, m) in _buffer)
        {
            lost += m.Upcalls.Length;
        }

        foreach (var p in _pending.Values)
        {
            lost += p.Upcalls;
            Fail(p);
        }

        _buffer.Clear();
        _pending.Clear();
        if (lost > 0)
        {
            _rt.CountHandlerLost(lost);
            Context.GetLogger().Warning("handler {0} of {1} stopped with {2} upcalls in flight (counted lost)", _index, _ctx.Options.Name, lost);
        }
    }

    private void OnFlush()
    {
        _flushQueued = false;
        foreach (var group in _buffer.GroupBy(b => b.Shard))
        {
            var all = group.SelectMany(g => g.Upcalls.Upcalls).ToList();
            for (var i = 0; i < all.Count; i += UpcallProcessor.MaxBatch)
            {
                var chunk = all.GetRange(i, Math.Min(UpcallProcessor.MaxBatch, all.Count - i));
                var batch = _processor.Handle(chunk);
                if (batch.Routed.Count > 0)
                {
                    _rt.CountUnrouted(batch.Routed.Count); // shards route ACTION upcalls themselves; none should arrive here
                }

                if (batch.Ops.Count == 0)
                {
                    continue;
                }

                var id = ++_nextId;
                _pending[id] = new Pending(batch, chunk.Count);
                group.Key.Tell(new DpifBatch(id, [.. batch.Ops.Select(o => o.Message)]), Self);
            }
        }

        _buffer.Clear();
    }

    private void OnReply(DpifBatchReply m)
    {
        if (!_pending.Remove(m.Id, out var p))
        {
            return; // already timed out, or sent before a restart
        }

        if (m.Replies.Length != p.Batch.Ops.Count)
        {
            Fail(p);
            return;
        }

        _processor.Complete(p.Batch, [.. m.Replies.Select(r => r as DpifReply ?? new DpifReply(DpifErrno.EINVAL))]);
    }

    private void OnCheckTimeouts()
    {
        // A batch times out at the second check after it was sent (between one and two intervals).
        foreach (var (id, p) in _pending.ToList())
        {
            if (!p.Seen)
            {
                p.Seen = true;
                continue;
            }

            _pending.Remove(id);
            _rt.CountDpifTimeout();
            Fail(p);
        }
    }

    private void Fail(Pending p)
    {
        var failed = new DpifReply(DpifErrno.ENODEV);
        _processor.Complete(p.Batch, [.. Enumerable.Repeat(failed, p.Batch.Ops.Count)]);
    }

    private sealed class Pending(UpcallBatch batch, int upcalls)
    {
        public UpcallBatch Batch { get; } = batch;

        public int Upcalls { get; } = upcalls;

        public bool Seen { get; set; }
    }

    private sealed class Flush
    {
        public static Flush Instance { get; } = new();
    }

    private sealed class CheckTimeouts
    {
        public static CheckTimeouts Instance { get; } = new();
    }
}
