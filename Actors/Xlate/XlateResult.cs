using System.Collections.Immutable;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Xlate;

/// <summary>Why a translation failed (OVS's xlate_error, the subset VSwarm models).</summary>
public enum XlateError
{
    /// <summary>Translation succeeded.</summary>
    None = 0,

    /// <summary>Resubmit/goto recursion deeper than OVS's limit (64).</summary>
    RecursionTooDeep,

    /// <summary>Too many resubmits in one translation (OVS: 4096).</summary>
    TooManyResubmits,

    /// <summary>The datapath actions would not fit one netlink attribute.</summary>
    TooManyActions,

    /// <summary>The bridge is gone (revalidation of a flow whose bridge was removed).</summary>
    NoBridge,
}

/// <summary>
/// What a translation of one flow produces (OVS's xlate_out plus the wildcards): the datapath
/// actions to install and execute, the megaflow mask, the OpenFlow entries that were hit (so
/// revalidators can push stats to them), and an error.
/// </summary>
/// <param name="Actions">Datapath actions (empty = drop).</param>
/// <param name="Wildcards">The megaflow mask, finished (ovs-brief §4.1 step 4) with in_port exact.</param>
/// <param name="Rules">The entries hit, in translation order.</param>
/// <param name="Error">Why translation failed; on failure the actions are a drop.</param>
public sealed record XlateResult(DpActions Actions, FlowMask Wildcards, ImmutableArray<FlowEntry> Rules, XlateError Error = XlateError.None)
{
    /// <summary>
    /// True when an action (set_field/load/move) made ipv6_label exact: OVS's mask is then the
    /// field's 20 bits (printed <c>ipv6_label=0x…/0xfffff</c>), not the all-ones 32 bits a rule's
    /// exact match gives; see <see cref="MegaflowText"/>.
    /// </summary>
    public bool Ipv6LabelWritten { get; init; }
}

/// <summary>
/// Translation as handlers and revalidators see it: a flow (datapath key of a packet) at a
/// classifier version to an <see cref="XlateResult"/>. Implementations must be safe to call from
/// several actors at once (they only read the versioned tables).
/// </summary>
public interface IFlowTranslator
{
    /// <summary>Translates <paramref name="flow"/> through the tables as they are in <paramref name="version"/>.</summary>
    XlateResult Translate(in FlowKey flow, ulong version);
}
