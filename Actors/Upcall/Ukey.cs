using System.Collections.Immutable;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Upcall;

/// <summary>The life of a ukey (OVS's enum ukey_state, values 0..6; ovs-brief §2.4).</summary>
public enum UkeyState
{
    /// <summary>Allocated, not yet in the map.</summary>
    Created = 0,

    /// <summary>In the ukey map; the datapath install is queued.</summary>
    Visible = 1,

    /// <summary>The datapath flow is confirmed.</summary>
    Operational = 2,

    /// <summary>A MODIFY failed: the datapath flow may not match the ukey (deleted next round).</summary>
    Inconsistent = 3,

    /// <summary>A delete is queued.</summary>
    Evicting = 4,

    /// <summary>The datapath flow is gone.</summary>
    Evicted = 5,

    /// <summary>Removed from the map.</summary>
    Deleted = 6,
}

/// <summary>What a <see cref="Ukey.TransitionTo"/> did.</summary>
public enum UkeyTransition
{
    /// <summary>The state changed.</summary>
    Changed,

    /// <summary>Already in that state: nothing to do.</summary>
    NoOp,

    /// <summary>A forward skip OVS does not allow ("Invalid state transition" warning): the state is unchanged.</summary>
    Invalid,
}

/// <summary>
/// A ukey (udpif_key): userspace's record of one datapath flow — identity, installed key, mask and
/// actions, the stats last seen, the sequence numbers of the last dump and revalidation, its
/// state, and the OpenFlow entries its translation hit (the xlate cache, for stats attribution).
/// Fields other than the state are written by whoever holds the ukey (a handler while installing,
/// a revalidator while revalidating), as OVS does under the ukey mutex.
/// </summary>
public sealed class Ukey
{
    private readonly Lock _lock = new();
    private UkeyState _state;

    /// <summary>Creates a ukey in state CREATED.</summary>
    public Ukey(Ufid ufid, in FlowKey key, in FlowMask mask, DpActions actions, ImmutableArray<FlowEntry> rules, ulong revalSeq,
        ulong dumpSeq, long createdMs)
    {
        ArgumentNullException.ThrowIfNull(actions);
        Ufid = ufid;
        Key = key;
        Mask = mask;
        Actions = actions;
        Rules = rules.IsDefault ? [] : rules;
        RevalSeq = revalSeq;
        DumpSeq = dumpSeq;
        CreatedMs = createdMs;
    }

    /// <summary>The UFID.</summary>
    public Ufid Ufid { get; }

    /// <summary>The datapath key of the flow (the packet key of the upcall).</summary>
    public FlowKey Key { get; }

    /// <summary>The installed mask.</summary>
    public FlowMask Mask { get; }

    /// <summary>The installed match.</summary>
    public Match Match => new(Key, Mask);

    /// <summary>The current datapath actions.</summary>
    public DpActions Actions { get; set; }

    /// <summary>The OpenFlow entries of the last translation (the xlate cache).</summary>
    public ImmutableArray<FlowEntry> Rules { get; set; }

    /// <summary>The datapath stats last seen (and already pushed to <see cref="Rules"/>).</summary>
    public FlowStats Stats { get; set; }

    /// <summary>Creation time (ms).</summary>
    public long CreatedMs { get; }

    /// <summary>The udpif dump_seq when last dumped (or created).</summary>
    public ulong DumpSeq { get; set; }

    /// <summary>The reval_seq of the last (re)translation.</summary>
    public ulong RevalSeq { get; set; }

    /// <summary>Consecutive sweeps in which the flow was not dumped.</summary>
    public int MissedDumps { get; set; }

    /// <summary>The state.</summary>
    public UkeyState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>
    /// Moves to <paramref name="dst"/> with OVS's rules (ovs-brief §2.4, §9 item 18): the next state,
    /// or from VISIBLE to any state before DELETED, or OPERATIONAL → EVICTING, changes the state;
    /// the same state is a no-op; another forward skip is <see cref="UkeyTransition.Invalid"/> and
    /// leaves the state; moving backwards is a bug and throws (OVS aborts).
    /// </summary>
    /// <exception cref="InvalidOperationException">A backwards transition.</exception>
    public UkeyTransition TransitionTo(UkeyState dst)
    {
        lock (_lock)
        {
            var src = _state;
            if (dst < src)
            {
                throw new InvalidOperationException($"ukey {Ufid}: backwards state transition {src} -> {dst}");
            }

            if (dst == src)
            {
                return UkeyTransition.NoOp;
            }

            if (dst == src + 1 || (src == UkeyState.Visible && dst < UkeyState.Deleted)
                || (src == UkeyState.Operational && dst == UkeyState.Evicting))
            {
                _state = dst;
                return UkeyTransition.Changed;
            }

            return UkeyTransition.Invalid;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"ukey {Ufid} {State} {Match} actions:{Actions}";
}
