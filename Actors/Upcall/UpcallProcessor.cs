using VSwarm.Actors.Datapath;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Upcall;

/// <summary>One datapath operation a handler wants done, with what it is for.</summary>
/// <param name="Message">A <see cref="DpifFlowPut"/> (CREATE) or a <see cref="DpifExecute"/>.</param>
/// <param name="Ukey">The ukey a put installs; null for executes.</param>
/// <param name="UpcallIndex">Index of the upcall in the handled batch.</param>
public sealed record UpcallOp(DpifMessage Message, Ukey? Ukey, int UpcallIndex);

/// <summary>What handling a batch of upcalls produced.</summary>
/// <param name="Ops">Datapath operations, in order (each put precedes the execute of its packet): send them all to the shard (dpif_operate), then call <see cref="UpcallProcessor.Complete"/> with the replies.</param>
/// <param name="Routed">ACTION upcalls (sFlow, flow sample, IPFIX, controller, slow path) for the caller to route by <see cref="DpifUpcall.Kind"/>; never installed.</param>
public sealed record UpcallBatch(IReadOnlyList<UpcallOp> Ops, IReadOnlyList<DpifUpcall> Routed);

/// <summary>Counters of an <see cref="UpcallProcessor"/> (upcall/show style).</summary>
/// <param name="Upcalls">Upcalls handled.</param>
/// <param name="Misses">MISS upcalls.</param>
/// <param name="Installed">Flow puts that succeeded (ukey OPERATIONAL).</param>
/// <param name="Duplicates">MISS upcalls whose ukey already existed (executed only).</param>
/// <param name="OverLimit">MISS upcalls not installed because n_flows ≥ flow_limit (executed only).</param>
/// <param name="PutFailures">Flow puts that failed (ukey EVICTED), including <paramref name="PutEexist"/>.</param>
/// <param name="PutEexist">Flow puts that failed with EEXIST.</param>
/// <param name="Executes">EXECUTE operations produced.</param>
/// <param name="Routed">ACTION upcalls returned for routing.</param>
/// <param name="Bad">ACTION upcalls without a valid cookie (dropped).</param>
/// <param name="XlateErrors">Translations that failed (a drop flow is installed).</param>
/// <param name="Conflicts">UFID collisions with a different key (executed only).</param>
/// <param name="Replaced">EVICTED ukeys replaced in place.</param>
public readonly record struct UpcallCounters(long Upcalls, long Misses, long Installed, long Duplicates, long OverLimit, long PutFailures,
    long PutEexist, long Executes, long Routed, long Bad, long XlateErrors, long Conflicts, long Replaced);

/// <summary>
/// The algorithm of an upcall handler (ofproto-dpif-upcall's handle_upcalls; ovs-brief §1.2 steps
/// 3–6, §6.7, §9 items 14 and 25).
/// </summary>
/// <remarks>
/// <para>For each MISS upcall: UFID = the upcall's, else <see cref="UfidGenerator.Compute"/> of the
/// key; translate the key at the current classifier version; if n_flows ≥ flow_limit → execute
/// only; else create a ukey and insert it into the map — inserted (or replacing an EVICTED ukey
/// with the same key) → FlowPut(CREATE, key/mask, actions, UFID); a duplicate or conflicting UFID
/// → execute only. Every upcall with non-empty actions is executed. A failed translation installs
/// a drop flow with the translation's mask (what OVS does; the revalidator later deletes it as
/// xlation_error).</para>
/// <para>After the datapath answered: a successful put → ukey OPERATIONAL; a failed one (EEXIST
/// when an installed flow covers the key, …) → EVICTED, and the sweep frees it; the packet was
/// executed anyway.</para>
/// <para>Driving it from an actor: take up to 64 upcalls, <see cref="Handle"/>, send
/// <see cref="UpcallBatch.Ops"/> to the shard, feed the replies (same order) to
/// <see cref="Complete"/>, route <see cref="UpcallBatch.Routed"/>. <see cref="Process"/> does all
/// of it against a synchronous <see cref="IDpif"/>. One instance per handler; the
/// <see cref="UdpifState"/> is shared.</para>
/// </remarks>
public sealed class UpcallProcessor
{
    /// <summary>UPCALL_MAX_BATCH.</summary>
    public const int MaxBatch = 64;

    private readonly UdpifState _udpif;
    private readonly IFlowTranslator _translator;
    private readonly Func<ulong> _version;
    private readonly Func<long> _clock;
    private readonly UfidGenerator _ufids;
    private long _upcalls, _misses, _installed, _duplicates, _overLimit, _putFailures, _putEexist, _executes, _routed, _bad,
        _xlateErrors, _conflicts, _replaced;

    /// <summary>Creates a handler core.</summary>
    /// <param name="udpif">Shared state (ukeys, flow limit, sequence numbers).</param>
    /// <param name="translator">Translation.</param>
    /// <param name="version">The classifier version to translate at (read once per upcall).</param>
    /// <param name="clock">Milliseconds (ukey creation times).</param>
    /// <param name="ufids">UFID generator (null = the process-wide one).</param>
    public UpcallProcessor(UdpifState udpif, IFlowTranslator translator, Func<ulong> version, Func<long> clock, UfidGenerator? ufids = null)
    {
        ArgumentNullException.ThrowIfNull(udpif);
        ArgumentNullException.ThrowIfNull(translator);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(clock);
        _udpif = udpif;
        _translator = translator;
        _version = version;
        _clock = clock;
        _ufids = ufids ?? UfidGenerator.Default;
    }

    /// <summary>The counters.</summary>
    public UpcallCounters Counters => new(_upcalls, _misses, _installed, _duplicates, _overLimit, _putFailures, _putEexist, _executes,
        _routed, _bad, _xlateErrors, _conflicts, _replaced);

    /// <summary>The UFID a MISS upcall's flow gets.</summary>
    public Ufid UfidOf(DpifUpcall upcall)
    {
        ArgumentNullException.ThrowIfNull(upcall);
        return upcall.Ufid ?? _ufids.Compute(upcall.Key);
    }

    /// <summary>Handles a batch (at most <see cref="MaxBatch"/>) and returns the operations to perform.</summary>
    public UpcallBatch Handle(IReadOnlyList<DpifUpcall> upcalls)
    {
        ArgumentNullException.ThrowIfNull(upcalls);
        if (upcalls.Count > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(upcalls), upcalls.Count, "a handler batch holds at most 64 upcalls");
        }

        var ops = new List<UpcallOp>(upcalls.Count * 2);
        var routed = new List<DpifUpcall>();
        var version = _version();
        var revalSeq = _udpif.RevalSeq;
        var now = _clock();
        for (var i = 0; i < upcalls.Count; i++)
        {
            var u = upcalls[i];
            _upcalls++;
            switch (u.Kind)
            {
                case UpcallKind.Miss:
                    break;
                case UpcallKind.Bad:
                    _bad++;
                    continue;
                default:
                    _routed++;
                    routed.Add(u);
                    continue;
            }

            _misses++;
            var xr = _translator.Translate(u.Key, version);
            if (xr.Error != XlateError.None)
            {
                _xlateErrors++;
            }

            var actions = xr.Error == XlateError.None ? xr.Actions : DpActions.Empty;

            // As OVS, the packet that missed counts against the rules it hit now (translation
            // with the upcall's stats); revalidators later push only what the datapath saw.
            foreach (var entry in xr.Rules)
            {
                entry.PushStats(1, u.Packet.Length, now);
            }

            if (_udpif.FlowCount >= _udpif.FlowLimit)
            {
                _overLimit++;
            }
            else
            {
                var ufid = UfidOf(u);
                var mask = xr.Wildcards;
                var ukey = new Ukey(ufid, u.Key, mask, actions, xr.Rules, revalSeq, 0, now);
                var inserted = _udpif.Ukeys.TryInsert(ukey);
                switch (inserted)
                {
                    case UkeyInsertResult.Inserted:
                    case UkeyInsertResult.Replaced:
                        if (inserted == UkeyInsertResult.Replaced)
                        {
                            _replaced++;
                        }

                        ops.Add(new UpcallOp(new DpifFlowPut(FlowPutFlags.Create, new Match(u.Key, mask), actions, ufid, u.DpIfIndex), ukey, i));
                        break;
                    case UkeyInsertResult.Duplicate:
                        _duplicates++;
                        break;
                    default:
                        _conflicts++;
                        break;
                }
            }

            if (!actions.IsDrop)
            {
                _executes++;
                ops.Add(new UpcallOp(new DpifExecute(u.Packet, u.Key, actions, Mtu: u.Mru, Hash: u.Hash, DpIfIndex: u.DpIfIndex), null, i));
            }
        }

        return new UpcallBatch(ops, routed);
    }

    /// <summary>Applies the datapath's replies (aligned with <see cref="UpcallBatch.Ops"/>) to the ukeys.</summary>
    public void Complete(UpcallBatch batch, IReadOnlyList<DpifReply> replies)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(replies);
        if (replies.Count != batch.Ops.Count)
        {
            throw new ArgumentException($"{replies.Count} replies for {batch.Ops.Count} operations", nameof(replies));
        }

        for (var i = 0; i < replies.Count; i++)
        {
            if (batch.Ops[i] is not { Message: DpifFlowPut, Ukey: { } ukey })
            {
                continue;
            }

            if (replies[i].Ok)
            {
                _installed++;
                ukey.TransitionTo(UkeyState.Operational);
            }
            else
            {
                _putFailures++;
                if (replies[i].Errno == DpifErrno.EEXIST)
                {
                    _putEexist++;
                }

                ukey.TransitionTo(UkeyState.Evicted);
            }
        }
    }

    /// <summary>Handles a batch against a synchronous datapath: <see cref="Handle"/>, every op, <see cref="Complete"/>.</summary>
    public UpcallBatch Process(IReadOnlyList<DpifUpcall> upcalls, IDpif dpif)
    {
        ArgumentNullException.ThrowIfNull(dpif);
        var batch = Handle(upcalls);
        var replies = new DpifReply[batch.Ops.Count];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = dpif.Operate(batch.Ops[i].Message);
        }

        Complete(batch, replies);
        return batch;
    }
}
