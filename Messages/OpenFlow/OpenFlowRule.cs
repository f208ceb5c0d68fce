using VSwarm.Messages.Flow;

namespace VSwarm.Messages.OpenFlow;

/// <summary>
/// An OpenFlow rule as <c>ovs-ofctl add-flow</c> describes it (a flow_mod's ADD body, or a
/// filter for del-flows/dump-flows when <see cref="CookieMask"/> is used). Immutable, with value
/// equality (the match by key and mask, the actions element by element).
/// </summary>
public sealed record OpenFlowRule
{
    /// <summary>OVS's default priority.</summary>
    public const ushort DefaultPriority = 32768;

    /// <summary>Table id, 0..254.</summary>
    public byte Table { get; init; }

    /// <summary>Priority (default 32768).</summary>
    public ushort Priority { get; init; } = DefaultPriority;

    /// <summary>Opaque controller cookie.</summary>
    public ulong Cookie { get; init; }

    /// <summary>Cookie mask for filters (<c>cookie=V/M</c>); 0 when the rule has no cookie mask.</summary>
    public ulong CookieMask { get; init; }

    /// <summary>Idle timeout in seconds (0 = none).</summary>
    public ushort IdleTimeout { get; init; }

    /// <summary>Hard timeout in seconds (0 = none).</summary>
    public ushort HardTimeout { get; init; }

    /// <summary>The match (OpenFlow port numbers in in_port).</summary>
    public Match Match { get; init; }

    /// <summary>The actions; empty = drop.</summary>
    public OfActionList Actions { get; init; } = OfActionList.Empty;
}
