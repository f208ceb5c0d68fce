using System.Collections.Immutable;

namespace VSwarm.Actors.Tables;

/// <summary>Why a flow-mod batch was rejected (the OpenFlow error it stands for in brackets).</summary>
public enum FlowModErrorCode
{
    /// <summary>CHECK_OVERLAP and a rule of the same priority overlaps (OFPFMFC_OVERLAP).</summary>
    Overlap,

    /// <summary>The table id is not 0..254 (OFPFMFC_BAD_TABLE_ID).</summary>
    BadTableId,

    /// <summary>An add carries a cookie mask (ovs-ofctl: "cannot set cookie mask"; OFPFMFC_BAD_COMMAND).</summary>
    BadCookieMask,

    /// <summary>The flow text did not parse.</summary>
    ParseError,
}

/// <summary>
/// A rejected batch: which flow-mod (0-based index in the batch) failed and why. No part of the
/// batch was applied.
/// </summary>
/// <param name="Index">Index of the failing flow-mod in the batch; for <see cref="FlowModErrorCode.ParseError"/> of a multi-line text, the 0-based line.</param>
/// <param name="Code">The error.</param>
/// <param name="Message">A message naming the flow-mod and the cause.</param>
public sealed record FlowModError(int Index, FlowModErrorCode Code, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"flow-mod {Index}: {Code}: {Message}";
}

/// <summary>A rule replaced by a new entry (modify, or an add over an identical rule).</summary>
/// <param name="Old">The entry that went away (invisible from the new version).</param>
/// <param name="New">The entry that took its place (visible from the new version).</param>
public sealed record FlowEntryChange(FlowEntry Old, FlowEntry New);

/// <summary>
/// What an applied batch changed, net over the batch (a rule added and deleted in the same batch
/// appears nowhere). <see cref="Version"/> is the published version that shows the changes;
/// when nothing changed no version was published and <see cref="Version"/> is the current one.
/// </summary>
/// <param name="Version">The version the changes are visible in.</param>
/// <param name="Added">New rules with no predecessor.</param>
/// <param name="Modified">Rules replaced by new entries (old → new).</param>
/// <param name="Deleted">Rules removed without a successor.</param>
public sealed record FlowModReport(
    ulong Version,
    ImmutableArray<FlowEntry> Added,
    ImmutableArray<FlowEntryChange> Modified,
    ImmutableArray<FlowEntry> Deleted)
{
    /// <summary>True when some rule changed (a reval_seq bump is due: FLOW_TABLE).</summary>
    public bool Changed => !Added.IsEmpty || !Modified.IsEmpty || !Deleted.IsEmpty;

    /// <summary>An empty report at a version.</summary>
    public static FlowModReport Unchanged(ulong version) => new(version, [], [], []);
}

/// <summary>The answer to a flow-mod batch: a report, or the error that rejected the whole batch.</summary>
/// <param name="Report">Set on success.</param>
/// <param name="Error">Set on failure.</param>
public sealed record FlowModResult(FlowModReport? Report, FlowModError? Error)
{
    /// <summary>True when the batch was applied.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>A success.</summary>
    public static FlowModResult Ok(FlowModReport report) => new(report, null);

    /// <summary>A failure.</summary>
    public static FlowModResult Fail(FlowModError error) => new(null, error);

    /// <inheritdoc/>
    public override string ToString() => Error is { } e
        ? $"error: {e}"
        : $"ok v{Report!.Version}: +{Report.Added.Length} ~{Report.Modified.Length} -{Report.Deleted.Length}";
}

/// <summary>Why a rule was removed by the switch (OFPRR_*).</summary>
public enum FlowRemovedReason
{
    /// <summary>idle_timeout passed without a packet (OFPRR_IDLE_TIMEOUT).</summary>
    IdleTimeout,

    /// <summary>hard_timeout passed since the rule was added (OFPRR_HARD_TIMEOUT).</summary>
    HardTimeout,
}

/// <summary>A rule removed because a timeout passed.</summary>
/// <param name="Entry">The removed entry (with its final counters).</param>
/// <param name="Reason">Which timeout.</param>
public sealed record ExpiredFlow(FlowEntry Entry, FlowRemovedReason Reason);

/// <summary>What one expiry pass removed, and the version that no longer shows it.</summary>
/// <param name="Version">The published version (the current one when nothing expired).</param>
/// <param name="Expired">The removed rules.</param>
public sealed record FlowExpiryReport(ulong Version, ImmutableArray<ExpiredFlow> Expired)
{
    /// <summary>True when some rule expired.</summary>
    public bool Changed => !Expired.IsEmpty;
}
