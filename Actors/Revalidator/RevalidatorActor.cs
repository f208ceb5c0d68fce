using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Messages.Dpif;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;

namespace VSwarm.Actors.Revalidator;

/// <summary>
/// The actor shell of a revalidator (<c>revalidators/revalidator-i</c>) around the bridge's
/// <see cref="RevalidatorCore"/> for index i (kept in <see cref="BridgeRuntime"/>, so its counters
/// survive a restart).
/// </summary>
/// <remarks>
/// <para>Revalidator 0 leads: it subscribes to the classifier (a <see cref="TablesChanged"/> bumps
/// the udpif reval_seq and starts a round as soon as none is running), starts a round every
/// min(max-idle, max-revalidator) ms on the scheduler (or on <see cref="RevalidateNow"/>), and
/// keeps OVS's two barriers between the revalidators: every revalidator dumps its shards (shard s
/// belongs to revalidator s mod n), then every revalidator sweeps its ukey shards, then the leader
/// ends the round (dynamic flow limit, dump_seq) and publishes
/// <see cref="RevalidationRoundCompleted"/> on the EventStream.</para>
/// <para>A dump goes shard by shard in batches of 50 (<see cref="DpifFlowDumpRequest"/> inside a
/// <see cref="DpifBatch"/>); the delete/modify ops of each batch go back to that shard before the
/// next batch is asked for; the sweep's ops go to the shard that holds each flow
/// (<see cref="BridgeRuntime.ShardOf"/>). A shard that does not answer within about
/// <see cref="BridgeFactorySettings.DpifTimeout"/> has its ops completed as failed (counted in
/// <see cref="BridgeRuntime.DpifTimeouts"/>) and the round goes on; a revalidator that does not
/// finish a phase within 10 × max-revalidator (at least 5 s) is skipped by the leader.</para>
/// </remarks>
public sealed class RevalidatorActor : ReceiveActor, IWithTimers
{
    private readonly BridgeContext _ctx;
    private readonly int _index;
    private readonly int _count;
    private readonly BridgeRuntime _rt;
    private readonly RevalidatorCore _core;
    private readonly LoggingAdapter _log;

    // Leader state.
    private LeaderPhase _leaderPhase;
    private long _round;
    private int _done;
    private bool _again;
    private readonly List<IActorRef> _waiting = [];
    private List<IActorRef> _thisRound = [];

    // Worker state.
    private long _myRound;
    private bool _coreInRound;
    private IActorRef _leader = ActorRefs.Nobody;
    private readonly Queue<int> _shards = new();
    private readonly Queue<(int Shard, List<RevalidatorOp> Ops)> _sweepGroups = new();
    private int _shard;
    private long _pendingId;
    private PendingKind _pendingKind;
    private IReadOnlyList<RevalidatorOp> _pendingOps = [];
    private DpifFlowDumpRequest? _next;
    private bool _pendingSeen;
    private long _nextId;

    /// <summary>Creates the actor (use <see cref="Props"/>).</summary>
    public RevalidatorActor(BridgeContext ctx, int index, BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(runtime);
        _ctx = ctx;
        _index = index;
        _count = Math.Max(1, ctx.Options.Revalidators);
        _rt = runtime;
        _rt.UseScheduler(Context.System.Scheduler);
        _core = runtime.Revalidator(index);
        _log = Context.GetLogger();

        Receive<TablesChanged>(OnTablesChanged);
        Receive<RevalidateNow>(_ =>
        {
            if (IsLeader && !Sender.Equals(ActorRefs.Nobody) && !Sender.Equals(Self))
            {
                _waiting.Add(Sender);
            }

            RequestRound();
        });
        Receive<RoundTick>(_ => RequestRound());
        Receive<RoundDeadline>(m => OnDeadline(m.Round));
        Receive<PhaseDone>(OnPhaseDone);
        Receive<StartRound>(OnStartRound);
        Receive<SweepPhase>(OnSweepPhase);
        Receive<DpifBatchReply>(OnReply);
        Receive<CheckTimeouts>(_ => OnCheckTimeouts());
        Receive<InjectFailure>(m => throw new InjectedFailureException(m.Reason));
    }

    private enum LeaderPhase
    {
        Idle,
        Dump,
        Sweep,
    }

    private enum PendingKind
    {
        None,
        Dump,
        DumpOps,
        SweepOps,
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    private bool IsLeader => _index == 0;

    private long PeriodMs => Math.Max(Math.Min(_ctx.Options.MaxIdleMs, _ctx.Options.MaxRevalidatorMs), 5);

    /// <summary>The Props of revalidator <paramref name="index"/> of a bridge.</summary>
    public static Props Props(BridgeContext ctx, int index, BridgeRuntime runtime) =>
        Runtime.Props.Create(() => new RevalidatorActor(ctx, index, runtime));

    /// <inheritdoc/>
    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(CheckTimeouts.Instance, CheckTimeouts.Instance, _rt.Settings.DpifTimeout);
        if (IsLeader)
        {
            _ctx.Classifier.Tell(new SubscribeTables(Self), Self);
            Timers.StartSingleTimer(RoundTick.Instance, RoundTick.Instance, TimeSpan.FromMilliseconds(PeriodMs));
        }
    }

    // ------------------------------------------------------------- leader

    private void OnTablesChanged(TablesChanged m)
    {
        if (m.Reason == TablesChangeReason.Subscribed)
        {
            return;
        }

        _rt.Udpif.BumpRevalSeq();
        RequestRound();
    }

    private void RequestRound()
    {
        if (!IsLeader)
        {
            _ctx.Revalidators.Tell(new ToMember(0, RevalidateNow.Instance), Self);
            return;
        }

        if (_leaderPhase != LeaderPhase.Idle)
        {
            _again = true;
            return;
        }

        _again = false;
        _thisRound = [.. _waiting];
        _waiting.Clear();
        _round = _rt.NextRoundId();
        _leaderPhase = LeaderPhase.Dump;
        _done = 0;
        Timers.Cancel(RoundTick.Instance);
        Timers.StartSingleTimer(RoundDeadline.Key, new RoundDeadline(_round), TimeSpan.FromMilliseconds(Math.Max(5000, 10 * _ctx.Options.MaxRevalidatorMs)));
        _ctx.Revalidators.Tell(new Broadcast(new StartRound(_round)), Self);
    }

    private void OnPhaseDone(PhaseDone m)
    {
        if (!IsLeader || m.Round != _round)
        {
            return;
        }

        if (m.Sweep && _leaderPhase == LeaderPhase.Sweep && ++_done == _count)
        {
            Finish();
        }
        else if (!m.Sweep && _leaderPhase == LeaderPhase.Dump && ++_done == _count)
        {
            StartSweep();
        }
    }

    private void StartSweep()
    {
        _leaderPhase = LeaderPhase.Sweep;
        _done = 0;
        _ctx.Revalidators.Tell(new Broadcast(new SweepPhase(_round)), Self);
    }

    private void OnDeadline(long round)
    {
        if (round != _round)
        {
            return;
        }

        _log.Warning("revalidation round {0} of {1}: {2} of {3} revalidators missed the {4} deadline", round, _ctx.Options.Name,
            _count - _done, _count, _leaderPhase);
        if (_leaderPhase == LeaderPhase.Dump)
        {
            StartSweep();
            Timers.StartSingleTimer(RoundDeadline.Key, new RoundDeadline(_round), TimeSpan.FromMilliseconds(Math.Max(5000, 10 * _ctx.Options.MaxRevalidatorMs)));
        }
        else if (_leaderPhase == LeaderPhase.Sweep)
        {
            Finish();
        }
    }

    private void Finish()
    {
        Timers.Cancel(RoundDeadline.Key);
        _leaderPhase = LeaderPhase.Idle;
        var now = _rt.NowMs();
        long next = PeriodMs;
        if (_coreInRound)
        {
            _coreInRound = false;
            var result = _core.EndRound();
            _rt.CountRound();
            next = Math.Max(0, result.NextRoundAtMs - now);
            var done = new RevalidationRoundCompleted(_ctx.Options.Name, _core.Counters.Rounds, result);
            Context.System.EventStream.Publish(done);
            foreach (var w in _thisRound)
            {
                w.Tell(done, Self);
            }
        }

        _thisRound = [];

        if (_again)
        {
            RequestRound();
        }
        else
        {
            Timers.StartSingleTimer(RoundTick.Instance, RoundTick.Instance, TimeSpan.FromMilliseconds(next));
        }
    }

    // ------------------------------------------------------------- worker (every revalidator, the leader too)

    private void OnStartRound(StartRound m)
    {
        AbandonPending();
        _leader = Sender;
        _myRound = m.Round;
        _core.BeginRound();
        _coreInRound = true;
        _shards.Clear();
        _sweepGroups.Clear();
        for (var s = _index; s < _ctx.Options.Shards; s += _count)
        {
            _shards.Enqueue(s);
        }

        NextShard();
    }

    private void NextShard()
    {
        if (_shards.Count == 0)
        {
            _leader.Tell(new PhaseDone(_myRound, false), Self);
            return;
        }

        _shard = _shards.Dequeue();
        Send(PendingKind.Dump, [new DpifFlowDumpRequest(_core.TerseDumps, (uint)_rt.Udpif.Options.DumpBatch)], []);
    }

    private void OnSweepPhase(SweepPhase m)
    {
        if (m.Round != _myRound || !_coreInRound)
        {
            Sender.Tell(new PhaseDone(m.Round, true), Self);
            return;
        }

        _leader = Sender;
        AbandonPending();
        _shards.Clear();
        foreach (var g in _core.Sweep().GroupBy(op => op.Ukey is { } u ? _rt.ShardOf(u.Key) : 0).OrderBy(g => g.Key))
        {
            _sweepGroups.Enqueue((g.Key, g.ToList()));
        }

        NextSweepGroup();
    }

    private void NextSweepGroup()
    {
        if (_sweepGroups.Count == 0)
        {
            if (!IsLeader && _coreInRound)
            {
                _coreInRound = false;
                _core.EndRound();
            }

            _leader.Tell(new PhaseDone(_myRound, true), Self);
            return;
        }

        var (shard, ops) = _sweepGroups.Dequeue();
        _shard = shard;
        Send(PendingKind.SweepOps, [.. ops.Select(o => o.Message)], ops);
    }

    private void Send(PendingKind kind, ImmutableArray<DpifMessage> messages, IReadOnlyList<RevalidatorOp> ops)
    {
        _pendingKind = kind;
        _pendingOps = ops;
        _pendingId = ++_nextId;
        _pendingSeen = false;
        _ctx.Datapath.Tell(new ToMember(_shard, new DpifBatch(_pendingId, messages)), Self);
    }

    private void OnReply(DpifBatchReply m)
    {
        if (m.Id != _pendingId || _pendingKind == PendingKind.None)
        {
            return;
        }

        var kind = _pendingKind;
        _pendingKind = PendingKind.None;
        switch (kind)
        {
            case PendingKind.Dump:
                if (m.Replies.FirstOrDefault() is not DpifFlowDumpBatch batch)
                {
                    NextShard();
                    return;
                }

                var step = _core.OnDumpBatch(batch);
                _next = step.Next;
                if (step.Ops.Count > 0)
                {
                    Send(PendingKind.DumpOps, [.. step.Ops.Select(o => o.Message)], step.Ops);
                }
                else
                {
                    ContinueDump();
                }

                break;
            case PendingKind.DumpOps:
                _core.Complete(_pendingOps, Replies(m, _pendingOps.Count));
                ContinueDump();
                break;
            case PendingKind.SweepOps:
                _core.Complete(_pendingOps, Replies(m, _pendingOps.Count));
                NextSweepGroup();
                break;
            default:
                break;
        }
    }

    private static DpifReply[] Replies(DpifBatchReply m, int count) =>
        m.Replies.Length == count
            ? [.. m.Replies.Select(r => r as DpifReply ?? new DpifReply(DpifErrno.EINVAL))]
            : [.. Enumerable.Repeat(new DpifReply(DpifErrno.EINVAL), count)];

    private void ContinueDump()
    {
        if (_next is { } next)
        {
            _next = null;
            Send(PendingKind.Dump, [next], []);
        }
        else
        {
            NextShard();
        }
    }

    private void OnCheckTimeouts()
    {
        if (_pendingKind == PendingKind.None)
        {
            return;
        }

        if (!_pendingSeen)
        {
            _pendingSeen = true;
            return;
        }

        _rt.CountDpifTimeout();
        _log.Warning("revalidator {0} of {1}: shard {2} did not answer; ops counted failed", _index, _ctx.Options.Name, _shard);
        var kind = _pendingKind;
        AbandonPending();
        if (kind is PendingKind.Dump or PendingKind.DumpOps)
        {
            NextShard();
        }
        else if (kind == PendingKind.SweepOps)
        {
            NextSweepGroup();
        }
    }

    private void AbandonPending()
    {
        if (_pendingKind is PendingKind.DumpOps or PendingKind.SweepOps && _coreInRound)
        {
            _core.Complete(_pendingOps, [.. Enumerable.Repeat(new DpifReply(DpifErrno.ENODEV), _pendingOps.Count)]);
        }

        _pendingKind = PendingKind.None;
        _pendingOps = [];
        _next = null;
    }

    // ------------------------------------------------------------- messages

    private sealed record StartRound(long Round);

    private sealed record SweepPhase(long Round);

    private sealed record PhaseDone(long Round, bool Sweep);

    private sealed record RoundDeadline(long Round)
    {
        public static readonly object Key = new();
    }

    private sealed class RoundTick
    {
        public static RoundTick Instance { get; } = new();
    }

    private sealed class CheckTimeouts
    {
        public static CheckTimeouts Instance { get; } = new();
    }
}
