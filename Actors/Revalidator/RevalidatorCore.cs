using VSwarm.Actors.Datapath;
using VSwarm.Actors.Upcall;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Revalidator;

/// <summary>The outcome of revalidating one ukey (OVS's enum reval_result).</summary>
public enum RevalidateVerdict
{
    /// <summary>UKEY_KEEP.</summary>
    Keep,

    /// <summary>UKEY_MODIFY: install new actions.</summary>
    Modify,

    /// <summary>UKEY_DELETE.</summary>
    Delete,
}

/// <summary>One datapath operation a revalidator wants done.</summary>
/// <param name="Verdict"><see cref="RevalidateVerdict.Delete"/> (a <see cref="DpifFlowDel"/>) or <see cref="RevalidateVerdict.Modify"/> (a <see cref="DpifFlowPut"/> MODIFY).</param>
/// <param name="Message">The message to send to the shard.</param>
/// <param name="Ukey">The ukey, or null for a datapath flow without a ukey.</param>
/// <param name="Reason">Why a delete happens.</param>
/// <param name="FromSweep">Produced by the sweep: the ukey is freed right after its delete returns.</param>
public sealed record RevalidatorOp(RevalidateVerdict Verdict, DpifMessage Message, Ukey? Ukey, DeleteReason Reason, bool FromSweep);

/// <summary>Ops produced by one dump batch, and the request for the next batch (null when the dump is done).</summary>
/// <param name="Ops">Operations to send, then pass with their replies to <see cref="RevalidatorCore.Complete"/>.</param>
/// <param name="Next">The next dump request, or null.</param>
public sealed record RevalidatorStep(IReadOnlyList<RevalidatorOp> Ops, DpifFlowDumpRequest? Next);

/// <summary>What a round did.</summary>
/// <param name="DurationMs">Round duration on the clock (≥ 1).</param>
/// <param name="FlowsAtStart">n_flows read at the start.</param>
/// <param name="FlowLimit">The dynamic limit after the round.</param>
/// <param name="NextRoundAtMs">When the next round should start: start + min(max-idle, max-revalidator), at least start + 5.</param>
public readonly record struct RoundResult(long DurationMs, long FlowsAtStart, long FlowLimit, long NextRoundAtMs);

/// <summary>Counters of a <see cref="RevalidatorCore"/>.</summary>
/// <param name="Rounds">Rounds ended.</param>
/// <param name="Dumped">Dumped flows handled.</param>
/// <param name="DuplicateDumps">Dumped flows already handled in this round.</param>
/// <param name="Kept">KEEP verdicts of the dump phase.</param>
/// <param name="Modified">MODIFY verdicts.</param>
/// <param name="Deleted">Deletes requested (all reasons).</param>
/// <param name="UnknownFlows">Dumped flows without a ukey.</param>
/// <param name="ModifyFailures">MODIFY puts that failed (ukey INCONSISTENT).</param>
/// <param name="DeleteFailures">Deletes that failed (ukey EVICTED anyway).</param>
/// <param name="Freed">Ukeys removed from the map.</param>
public readonly record struct RevalidatorCounters(long Rounds, long Dumped, long DuplicateDumps, long Kept, long Modified, long Deleted,
    long UnknownFlows, long ModifyFailures, long DeleteFailures, long Freed);

/// <summary>
/// The algorithm of a revalidator (ofproto-dpif-upcall's revalidate, revalidate_ukey,
/// push_dp_ops, revalidator_sweep; ovs-brief §6, vectors §9 items 13–18).
/// </summary>
/// <remarks>
/// <para><b>A round</b>: <see cref="BeginRound"/> (reads n_flows, reval_seq, dump_seq, the start
/// time) → for each dump batch, <see cref="OnDumpBatch"/> gives delete/modify ops and the next dump
/// request → send the ops, pass their replies to <see cref="Complete"/> → after the dump,
/// <see cref="Sweep"/> (ops again, then <see cref="Complete"/>) → <see cref="EndRound"/> (duration,
/// dynamic flow limit, dump_seq bump; tells when the next round starts).
/// <see cref="RunRound"/> does all of it against a synchronous <see cref="IDpif"/>.</para>
/// <para><b>Per dumped flow</b>: kill everything while n_flows &gt; 2 × limit (flow_limit); idle
/// time 100 ms while n_flows &gt; limit, else max-idle (flow_idle); else revalidate: if reval_seq
/// moved, the too-expensive rule (min-revalidate-pps), then re-translation at the current version:
/// error → xlation_error (no_ofproto when the bridge is gone), installed mask wildcarding bits the
/// new mask needs → flow_wildcarded, other actions → MODIFY, else KEEP. Stats deltas go to the
/// FlowEntry objects of the translation (<see cref="Ukey.Rules"/>); for deletes, the final stats of
/// the delete reply are attributed.</para>
/// <para><b>Sweep</b> (this revalidator's ukey shards: index, index+count, …): INCONSISTENT →
/// delete (update_fail); not dumped this round with a stale reval_seq → revalidate on cached stats;
/// 4 consecutive missed dumps → delete (flow_missing_dp); EVICTED → freed.</para>
/// <para>With several revalidators, index 0 is the leader: only it adjusts the flow limit and bumps
/// dump_seq in <see cref="EndRound"/>, which it must call after every revalidator swept. Datapath
/// flows the dump reports without a ukey are recreated as ukeys when the dump is not terse, else
/// deleted (OVS would fetch them with a flow get).</para>
/// </remarks>
public sealed class RevalidatorCore
{
    private readonly UdpifState _udpif;
    private readonly IFlowTranslator _translator;
    private readonly Func<ulong> _version;
    private readonly Func<long> _clock;
    private readonly int _index;
    private readonly int _count;
    private readonly long[] _deletedBy = new long[DeleteReasons.All.Count];
    private long _rounds, _dumped, _dupDumps, _kept, _modified, _deleted, _unknown, _modifyFailures, _deleteFailures, _freed;
    private ulong _revalSeq;
    private ulong _dumpSeq;
    private long _start;
    private long _flowsAtStart;
    private bool _inRound;

    /// <summary>Creates revalidator <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="udpif">Shared state.</param>
    /// <param name="translator">Translation.</param>
    /// <param name="version">The classifier version to re-translate at.</param>
    /// <param name="clock">Milliseconds.</param>
    /// <param name="index">This revalidator's index (0 = leader).</param>
    /// <param name="count">Number of revalidators.</param>
    public RevalidatorCore(UdpifState udpif, IFlowTranslator translator, Func<ulong> version, Func<long> clock, int index = 0, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(udpif);
        ArgumentNullException.ThrowIfNull(translator);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        _udpif = udpif;
        _translator = translator;
        _version = version;
        _clock = clock;
        _index = index;
        _count = count;
    }

    /// <summary>True for revalidator 0.</summary>
    public bool IsLeader => _index == 0;

    /// <summary>Whether dump requests ask for terse flows (UFID and stats only). Default true, like OVS with UFID support.</summary>
    public bool TerseDumps { get; set; } = true;

    /// <summary>The counters.</summary>
    public RevalidatorCounters Counters => new(_rounds, _dumped, _dupDumps, _kept, _modified, _deleted, _unknown, _modifyFailures,
        _deleteFailures, _freed);

    /// <summary>Deletes requested, by reason.</summary>
    public long DeletedBy(DeleteReason reason) => _deletedBy[(int)reason];

    /// <summary>Starts a round; returns the first dump request.</summary>
    public DpifFlowDumpRequest BeginRound()
    {
        _start = _clock();
        _revalSeq = _udpif.RevalSeq;
        _dumpSeq = _udpif.DumpSeq;
        _flowsAtStart = _udpif.FlowCount;
        if (IsLeader)
        {
            _udpif.MaxFlows = Math.Max(_udpif.MaxFlows, _flowsAtStart);
            _udpif.AvgFlows = (_udpif.AvgFlows + _flowsAtStart) / 2;
        }

        _inRound = true;
        return new DpifFlowDumpRequest(TerseDumps, (uint)_udpif.Options.DumpBatch);
    }

    /// <summary>Handles one dump batch (dump phase, §6.2).</summary>
    public RevalidatorStep OnDumpBatch(DpifFlowDumpBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        EnsureRound();
        var ops = new List<RevalidatorOp>();
        var n = _udpif.FlowCount;
        var limit = _udpif.FlowLimit;
        var killAll = n > 2 * limit;
        var maxIdle = n > limit ? _udpif.Options.OverLimitIdleMs : _udpif.Options.MaxIdleMs;
        var now = _clock();
        var version = _version();
        foreach (var f in batch.Flows)
        {
            _dumped++;
            if (f.Ufid is not { } ufid)
            {
                _unknown++;
                continue;
            }

            var ukey = _udpif.Ukeys.Find(ufid) ?? Adopt(f, ufid, now);
            if (ukey is null)
            {
                _unknown++;
                AddDelete(ops, null, ufid, DeleteReason.None, false);
                continue;
            }

            if (ukey.DumpSeq == _dumpSeq)
            {
                _dupDumps++;
                continue;
            }

            var state = ukey.State;
            if (state == UkeyState.Inconsistent)
            {
                ukey.DumpSeq = _dumpSeq;
                AddDelete(ops, ukey, ufid, DeleteReason.UpdateFail, false);
                continue;
            }

            if (state > UkeyState.Operational)
            {
                continue;
            }

            ukey.TransitionTo(UkeyState.Operational);
            var used = (long?)f.Stats.UsedMs ?? (f.Stats.Packets > ukey.Stats.Packets ? now : (long?)ukey.Stats.UsedMs ?? ukey.CreatedMs);
            RevalidateVerdict verdict;
            DeleteReason reason;
            DpActions? actions = null;
            if (killAll)
            {
                (verdict, reason) = (RevalidateVerdict.Delete, DeleteReason.FlowLimit);
            }
            else if (used < now - maxIdle)
            {
                (verdict, reason) = (RevalidateVerdict.Delete, DeleteReason.FlowIdle);
            }
            else
            {
                verdict = Revalidate(ukey, f.Stats, now, version, out reason, out actions);
            }

            ukey.DumpSeq = _dumpSeq;
            Apply(ops, ukey, verdict, reason, actions, false);
        }

        var next = batch.Done ? null : new DpifFlowDumpRequest(TerseDumps, (uint)_udpif.Options.DumpBatch, batch.NextCursor);
        return new RevalidatorStep(ops, next);
    }

    /// <summary>
    /// Applies the datapath's replies (aligned with <paramref name="ops"/>), §6.5: a delete → ukey
    /// EVICTED and the final stats' delta pushed to its rules (freed at once when the sweep asked);
    /// a failed MODIFY → INCONSISTENT.
    /// </summary>
    public void Complete(IReadOnlyList<RevalidatorOp> ops, IReadOnlyList<DpifReply> replies)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(replies);
        if (ops.Count != replies.Count)
        {
            throw new ArgumentException($"{replies.Count} replies for {ops.Count} operations", nameof(replies));
        }

        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var reply = replies[i];
            if (op.Ukey is not { } ukey)
            {
                continue;
            }

            if (op.Verdict == RevalidateVerdict.Delete)
            {
                ukey.TransitionTo(UkeyState.Evicted);
                if (!reply.Ok)
                {
                    _deleteFailures++;
                }
                else if (reply.Stats is { } final)
                {
                    AttributeFinal(ukey, final);
                }

                if (op.FromSweep && _udpif.Ukeys.Remove(ukey))
                {
                    _freed++;
                }
            }
            else if (!reply.Ok)
            {
                _modifyFailures++;
                ukey.TransitionTo(UkeyState.Inconsistent);
            }
        }
    }

    /// <summary>The sweep phase over this revalidator's ukey shards (§6.6).</summary>
    public IReadOnlyList<RevalidatorOp> Sweep()
    {
        EnsureRound();
        var ops = new List<RevalidatorOp>();
        var now = _clock();
        var version = _version();
        var map = _udpif.Ukeys;
        var maxMissed = _udpif.Options.MaxMissedDumps;
        for (var s = _index; s < map.ShardCount; s += _count)
        {
            foreach (var ukey in map.Snapshot(s))
            {
                var state = ukey.State;
                if (state is UkeyState.Operational or UkeyState.Inconsistent)
                {
                    var seen = ukey.DumpSeq == _dumpSeq;
                    var verdict = RevalidateVerdict.Keep;
                    var reason = DeleteReason.None;
                    DpActions? actions = null;
                    if (state == UkeyState.Inconsistent)
                    {
                        (verdict, reason) = (RevalidateVerdict.Delete, DeleteReason.UpdateFail);
                    }
                    else if (!seen && ukey.RevalSeq != _revalSeq)
                    {
                        verdict = Revalidate(ukey, ukey.Stats, now, version, out reason, out actions);
                    }

                    if (!seen)
                    {
                        ukey.MissedDumps++;
                        if (ukey.MissedDumps >= maxMissed && verdict != RevalidateVerdict.Delete)
                        {
                            (verdict, reason) = (RevalidateVerdict.Delete, DeleteReason.FlowMissingDp);
                        }
                    }
                    else
                    {
                        ukey.MissedDumps = 0;
                    }

                    if (verdict != RevalidateVerdict.Keep)
                    {
                        Apply(ops, ukey, verdict, reason, actions, true);
                    }
                }
                else if (state == UkeyState.Evicted && map.Remove(ukey))
                {
                    _freed++;
                }
            }
        }

        return ops;
    }

    /// <summary>
    /// Ends the round: duration = max(now − start, 1); the leader stores it, adjusts the flow
    /// limit (§6.4) and bumps dump_seq.
    /// </summary>
    public RoundResult EndRound()
    {
        EnsureRound();
        _inRound = false;
        _rounds++;
        var duration = Math.Max(_clock() - _start, 1);
        var o = _udpif.Options;
        if (IsLeader)
        {
            _udpif.DumpDurationMs = duration;
            _udpif.FlowLimit = FlowLimit.Adjust(_udpif.FlowLimit, duration, _flowsAtStart, o.FlowLimit);
            _udpif.BumpDumpSeq();
        }

        var period = Math.Max(Math.Min(o.MaxIdleMs, o.MaxRevalidatorMs), 5);
        return new RoundResult(duration, _flowsAtStart, _udpif.FlowLimit, _start + period);
    }

    /// <summary>A whole round against a synchronous datapath (dump, ops, sweep, ops, end).</summary>
    public RoundResult RunRound(IDpif dpif)
    {
        ArgumentNullException.ThrowIfNull(dpif);
        DpifFlowDumpRequest? request = BeginRound();
        while (request is not null)
        {
            var step = OnDumpBatch(dpif.Dump(request));
            Operate(dpif, step.Ops);
            request = step.Next;
        }

        Operate(dpif, Sweep());
        return EndRound();
    }

    /// <summary>
    /// revalidate_ukey (§6.3) on <paramref name="stats"/>: the verdict, why a delete, and the new
    /// actions of a MODIFY. Unless deleting, pushes the stats delta to the rules and records
    /// <paramref name="stats"/> and the round's reval_seq in the ukey.
    /// </summary>
    public RevalidateVerdict Revalidate(Ukey ukey, FlowStats stats, long now, ulong version, out DeleteReason reason, out DpActions? actions)
    {
        ArgumentNullException.ThrowIfNull(ukey);
        reason = DeleteReason.None;
        actions = null;
        var old = ukey.Stats;
        var pushPackets = stats.Packets >= old.Packets ? stats.Packets - old.Packets : 0;
        var pushBytes = stats.Bytes >= old.Bytes ? stats.Bytes - old.Bytes : 0;
        var verdict = RevalidateVerdict.Keep;
        if (ukey.RevalSeq != _revalSeq)
        {
            if (!ShouldRevalidate(old, pushPackets, now))
            {
                verdict = RevalidateVerdict.Delete;
                reason = DeleteReason.TooExpensive;
            }
            else
            {
                var xr = _translator.Translate(ukey.Key, version);
                if (xr.Error != XlateError.None)
                {
                    verdict = RevalidateVerdict.Delete;
                    reason = xr.Error == XlateError.NoBridge ? DeleteReason.NoOfproto : DeleteReason.XlationError;
                }
                else if (ukey.Mask.HasExtraBits(xr.Wildcards))
                {
                    verdict = RevalidateVerdict.Delete;
                    reason = DeleteReason.FlowWildcarded;
                }
                else
                {
                    ukey.Rules = xr.Rules;
                    if (xr.Actions != ukey.Actions)
                    {
                        verdict = RevalidateVerdict.Modify;
                        actions = xr.Actions;
                    }
                }
            }
        }

        if (verdict != RevalidateVerdict.Delete)
        {
            if (pushPackets > 0 || pushBytes > 0)
            {
                var used = (long)(stats.UsedMs ?? 0);
                foreach (var rule in ukey.Rules)
                {
                    rule.PushStats((long)pushPackets, (long)pushBytes, used);
                }
            }

            ukey.Stats = stats;
            ukey.RevalSeq = _revalSeq;
        }

        return verdict;
    }

    /// <summary>
    /// should_revalidate: always when min-revalidate-pps is 0, the flow was never used, or the last
    /// round took less than max-revalidator/2; else only if (now − used) / max(new packets, 1) &lt;
    /// 1000 / min-revalidate-pps ms per packet.
    /// </summary>
    private bool ShouldRevalidate(FlowStats old, ulong pushPackets, long now)
    {
        var o = _udpif.Options;
        if (o.MinRevalidatePps == 0 || old.UsedMs is not { } usedU || _udpif.DumpDurationMs < o.MaxRevalidatorMs / 2)
        {
            return true;
        }

        var used = (long)usedU;
        var metric = (Math.Max(used, now) - used) / (long)Math.Max(pushPackets, 1UL);
        return metric < 1000 / o.MinRevalidatePps;
    }

    private Ukey? Adopt(DatapathFlow f, Ufid ufid, long now)
    {
        if (f.Terse || f.Match.Key.RecircId != 0)
        {
            return null;
        }

        var ukey = new Ukey(ufid, f.Match.Key, f.Match.Mask, f.Actions, [], unchecked(_revalSeq - 1), 0, now);
        return _udpif.Ukeys.TryInsert(ukey) is UkeyInsertResult.Inserted or UkeyInsertResult.Replaced ? ukey : _udpif.Ukeys.Find(ufid);
    }

    private void Apply(List<RevalidatorOp> ops, Ukey ukey, RevalidateVerdict verdict, DeleteReason reason, DpActions? actions, bool fromSweep)
    {
        switch (verdict)
        {
            case RevalidateVerdict.Delete:
                ukey.TransitionTo(UkeyState.Evicting);
                AddDelete(ops, ukey, ukey.Ufid, reason, fromSweep);
                break;
            case RevalidateVerdict.Modify:
                _modified++;
                ukey.Actions = actions!;
                ops.Add(new RevalidatorOp(RevalidateVerdict.Modify,
                    new DpifFlowPut(FlowPutFlags.Modify, ukey.Match, ukey.Actions, ukey.Ufid), ukey, DeleteReason.None, fromSweep));
                break;
            default:
                _kept++;
                break;
        }
    }

    private void AddDelete(List<RevalidatorOp> ops, Ukey? ukey, Ufid ufid, DeleteReason reason, bool fromSweep)
    {
        _deleted++;
        _deletedBy[(int)reason]++;
        ops.Add(new RevalidatorOp(RevalidateVerdict.Delete, new DpifFlowDel(Ufid: ufid, Terse: true), ukey, reason, fromSweep));
    }

    private void AttributeFinal(Ukey ukey, FlowStats final)
    {
        var old = ukey.Stats;
        var packets = final.Packets >= old.Packets ? final.Packets - old.Packets : 0;
        var bytes = final.Bytes >= old.Bytes ? final.Bytes - old.Bytes : 0;
        if (packets > 0 || bytes > 0)
        {
            var rules = ukey.Rules;
            if (rules.IsEmpty)
            {
                rules = _translator.Translate(ukey.Key, _version()).Rules;
            }

            var used = (long)(final.UsedMs ?? 0);
            foreach (var rule in rules)
            {
                rule.PushStats((long)packets, (long)bytes, used);
            }
        }

        ukey.Stats = final;
    }

    private void Operate(IDpif dpif, IReadOnlyList<RevalidatorOp> ops)
    {
        // An actor would send them in batches of 50; one by one against a synchronous dpif is the same.
        var replies = new DpifReply[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            replies[i] = dpif.Operate(ops[i].Message);
        }

        Complete(ops, replies);
    }

    private void EnsureRound()
    {
        if (!_inRound)
        {
            throw new InvalidOperationException("call BeginRound first");
        }
    }
}
