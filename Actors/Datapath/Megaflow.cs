using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// One installed datapath flow (a megaflow) of a <see cref="MegaflowTable"/>: its match (key
/// stored already AND-ed with the mask, like dpcls), actions, UFID and statistics. Owned and
/// mutated by the table's single owner (the shard); readers outside it should use
/// <see cref="MegaflowTable.Get"/> or a dump.
/// </summary>
public sealed class Megaflow
{
    internal FlowKey MaskedKey;
    internal ulong Hash;
    internal Megaflow? NextInBucket;
    internal Subtable? Subtable;
    internal long Seq;
    internal int OrderIndex;
    private ulong _packets;
    private ulong _bytes;
    private long _usedMs = -1;
    private ushort _tcpFlags;

    internal Megaflow(in Match match, DpActions actions, Ufid? ufid, long createdMs, long seq)
    {
        MaskedKey = match.Key;
        Match = match;
        Actions = actions;
        Ufid = ufid;
        CreatedMs = createdMs;
        Seq = seq;
    }

    /// <summary>Key (masked) and mask as installed.</summary>
    public Match Match { get; }

    /// <summary>The UFID given at creation, or null.</summary>
    public Ufid? Ufid { get; }

    /// <summary>The current actions (replaced by a MODIFY put).</summary>
    public DpActions Actions { get; internal set; }

    /// <summary>
    /// Bumped on every MODIFY and on deletion: caches (the <see cref="Emc"/>) remember the
    /// generation they saw and drop the entry when it moved.
    /// </summary>
    public int Generation { get; internal set; }

    /// <summary>False once the flow has been deleted from its table.</summary>
    public bool IsInstalled { get; internal set; } = true;

    /// <summary>Creation time (ms, the table's clock).</summary>
    public long CreatedMs { get; }

    /// <summary>The statistics: packets, bytes, last use (null = never) and OR of TCP flags.</summary>
    public FlowStats Stats => new(_packets, _bytes, _usedMs < 0 ? null : (ulong)_usedMs, _tcpFlags);

    /// <summary>Accounts one packet (datapath fast path).</summary>
    internal void Hit(int bytes, long nowMs, ushort tcpFlags)
    {
        _packets++;
        _bytes += (ulong)bytes;
        _usedMs = nowMs;
        _tcpFlags |= tcpFlags;
    }

    internal void ZeroStats()
    {
        _packets = 0;
        _bytes = 0;
        _usedMs = -1;
        _tcpFlags = 0;
    }

    /// <summary>The flow as a dump or get reports it.</summary>
    public DatapathFlow ToDatapathFlow(bool terse = false) =>
        terse ? new DatapathFlow(default, DpActions.Empty, Stats, Ufid, true) : new DatapathFlow(Match, Actions, Stats, Ufid);

    /// <inheritdoc/>
    public override string ToString() => $"{Ufid?.ToString() ?? "-"} {Match} actions:{Actions}";
}
