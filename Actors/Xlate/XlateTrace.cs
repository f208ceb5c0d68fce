using VSwarm.Actors.Tables;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Actors.Xlate;

/// <summary>What happened at one step of a traced translation (what ofproto/trace prints).</summary>
public enum XlateTraceKind
{
    /// <summary>A table lookup: <see cref="XlateTraceEvent.Table"/> and the entry hit (null = no match).</summary>
    Table,

    /// <summary>An OpenFlow action about to be executed.</summary>
    Action,

    /// <summary>A remark on the previous action (<c>&gt;&gt; …</c> errors and skips, <c>-&gt; …</c> results).</summary>
    Note,
}

/// <summary>One step of a traced translation.</summary>
/// <param name="Kind">What the step is.</param>
/// <param name="Depth">Resubmit nesting (goto_table does not nest, as in OVS's trace).</param>
/// <param name="Table">The table looked up (for <see cref="XlateTraceKind.Table"/>).</param>
/// <param name="Entry">The entry hit, or null on a miss.</param>
/// <param name="Action">The action (for <see cref="XlateTraceKind.Action"/>).</param>
/// <param name="Text">The note text (for <see cref="XlateTraceKind.Note"/>), e.g. <c>&gt;&gt; Nonexistent output port</c>.</param>
public sealed record XlateTraceEvent(XlateTraceKind Kind, int Depth, byte Table = 0, FlowEntry? Entry = null, OfAction? Action = null, string? Text = null);

/// <summary>
/// The trace of one translation: the steps, and the flow as it was at the end (with the second
/// VLAN header, which <see cref="Messages.Flow.FlowKey"/> does not hold).
/// </summary>
public sealed class XlateTrace
{
    private readonly List<XlateTraceEvent> _events = [];

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<XlateTraceEvent> Events => _events;

    /// <summary>The flow after translation.</summary>
    public Messages.Flow.FlowKey FinalFlow { get; internal set; }

    /// <summary>TCI of a second (inner) VLAN header of the final flow, 0 when there is none.</summary>
    public ushort FinalInnerTci { get; internal set; }

    internal void Add(XlateTraceEvent e) => _events.Add(e);
}
