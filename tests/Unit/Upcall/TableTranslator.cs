using System.Collections.Immutable;
using VSwarm.Actors.Tables;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Tests.Unit.Upcall;

/// <summary>
/// A small translator for handler/revalidator tests: one real versioned OpenFlow table (table 0) and
/// a map from entries to datapath actions. The megaflow mask is in_port, recirc_id and dl_type plus
/// whatever the classifier un-wildcarded. Entries listed in <see cref="Failing"/> make translation
/// fail; <see cref="Calls"/> counts translations.
/// </summary>
public sealed class TableTranslator : IFlowTranslator
{
    private readonly Dictionary<FlowEntry, DpActions> _actions = [];

    public OpenFlowTables Tables { get; } = new();

    public HashSet<FlowEntry> Failing { get; } = [];

    public bool NoBridge { get; set; }

    public int Calls { get; private set; }

    /// <summary>Adds a rule at the next version and publishes it; returns its entry.</summary>
    public FlowEntry Add(in Match match, ushort priority, DpActions actions)
    {
        var entry = new FlowEntry(new OpenFlowRule { Priority = priority, Match = match }, Tables.NextVersion);
        Tables.Insert(entry);
        _actions[entry] = actions;
        Tables.Publish();
        return entry;
    }

    /// <summary>Removes a rule at the next version and publishes.</summary>
    public void Remove(FlowEntry entry)
    {
        Tables.RemoveInVersion(entry, Tables.NextVersion);
        Tables.Publish();
    }

    /// <summary>Changes what a rule's actions translate to (takes effect at once).</summary>
    public void SetActions(FlowEntry entry, DpActions actions) => _actions[entry] = actions;

    public XlateResult Translate(in FlowKey flow, ulong version)
    {
        Calls++;
        var wc = default(FlowMask);
        wc.Unwildcard(FlowFields.InPort);
        wc.Unwildcard(FlowFields.RecircId);
        wc.Unwildcard(FlowFields.DlType);
        if (NoBridge)
        {
            return new XlateResult(DpActions.Empty, wc, [], XlateError.NoBridge);
        }

        var entry = Tables.Lookup(0, flow, version, ref wc);
        if (entry is null)
        {
            return new XlateResult(DpActions.Empty, wc, []);
        }

        if (Failing.Contains(entry))
        {
            return new XlateResult(DpActions.Empty, wc, [entry], XlateError.RecursionTooDeep);
        }

        return new XlateResult(_actions[entry], wc, ImmutableArray.Create(entry));
    }
}

/// <summary>A translator returning whatever the test sets (hand-built results).</summary>
public sealed class FixedTranslator(XlateResult result) : IFlowTranslator
{
    public XlateResult Result { get; set; } = result;

    public XlateResult Translate(in FlowKey flow, ulong version) => Result;
}
