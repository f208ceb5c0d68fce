using System.Collections.Frozen;
using VSwarm.Actors.Tables;

namespace VSwarm.Actors.Xlate;

/// <summary>One port of a bridge as translation sees it (OVS's xport).</summary>
/// <param name="Number">OpenFlow port number, also the datapath port number (VSwarm uses one numbering per bridge).</param>
/// <param name="IfIndex">sFlow ifIndex of the port, or null when it has none.</param>
/// <param name="Flood">False for ports with OpenFlow's no-flood flag: FLOOD and NORMAL's flooding skip them.</param>
public sealed record XlatePort(uint Number, uint? IfIndex = null, bool Flood = true);

/// <summary>Per-bridge sFlow sampling as OVS configures it (the OVSDB sFlow row).</summary>
/// <param name="Rate">Sampling rate N: one packet in N (≥ 1).</param>
/// <param name="HeaderBytes">Bytes of header to export (OVS default 128).</param>
public sealed record SflowSampling(uint Rate, uint HeaderBytes = 128)
{
    /// <summary>The datapath sample probability: max(1, floor(0xFFFFFFFF / rate)) (ovs-brief §7.3).</summary>
    public uint Probability => Rate <= 1 ? uint.MaxValue : Math.Max(1u, uint.MaxValue / Rate);
}

/// <summary>A per-flow sFlow sampler selector (VSwarm extension): rules whose cookie satisfies
/// <c>(cookie &amp; Mask) == Cookie</c> get a second sample action at <see cref="Sampling"/>.</summary>
/// <param name="Cookie">Cookie value.</param>
/// <param name="Mask">Cookie mask.</param>
/// <param name="Sampling">The selector's own sampling.</param>
public sealed record SflowFlowSampling(ulong Cookie, ulong Mask, SflowSampling Sampling)
{
    /// <summary>True when the rule cookie is selected.</summary>
    /// <param name="ruleCookie">The rule cookie.</param>
    /// <returns>Whether it matches.</returns>
    public bool Selects(ulong ruleCookie) => (ruleCookie & Mask) == Cookie;
}

/// <summary>
/// What translation needs to know about a bridge besides its tables (OVS's xbridge): the ports that
/// exist (output to any other port is dropped, as OVS's "Nonexistent output port"), sFlow bridge
/// sampling, the MAC learning table of NORMAL, the netlink pid put into userspace actions, whether
/// OpenFlow <c>sample</c> actions are exported (OVS translates them to nothing when the bridge has
/// no IPFIX configuration), and the bridge's UUID for cookies. Immutable; replace it to reconfigure.
/// </summary>
public sealed class XlateBridge
{
    /// <summary>Creates a bridge context.</summary>
    public XlateBridge(
        IEnumerable<XlatePort> ports,
        string name = "br0",
        SflowSampling? sflow = null,
        MacLearningTable? macTable = null,
        uint pid = 0,
        bool flowSampling = false,
        Guid ofproto = default,
        IReadOnlyList<SflowFlowSampling>? sflowFlows = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        Ports = ports.ToFrozenDictionary(p => p.Number);
        Name = name;
        Sflow = sflow;
        MacTable = macTable ?? new MacLearningTable();
        Pid = pid;
        FlowSampling = flowSampling;
        Ofproto = ofproto;
        SflowFlows = sflowFlows ?? [];
        FloodPorts = [.. Ports.Values.Where(p => p.Flood).Select(p => p.Number).Order()];
        AllPorts = [.. Ports.Keys.Order()];
    }

    /// <summary>A bridge with ports 1..n (no ifindex), like the oracle's p1..pN.</summary>
    public static XlateBridge WithPorts(int n, SflowSampling? sflow = null) =>
        new(Enumerable.Range(1, n).Select(i => new XlatePort((uint)i)), sflow: sflow);

    /// <summary>Bridge name (printed by trace).</summary>
    public string Name { get; }

    /// <summary>Ports by number.</summary>
    public FrozenDictionary<uint, XlatePort> Ports { get; }

    /// <summary>Ports FLOOD and NORMAL flood to, ascending.</summary>
    public IReadOnlyList<uint> FloodPorts { get; }

    /// <summary>All ports, ascending (OFPP_ALL).</summary>
    public IReadOnlyList<uint> AllPorts { get; }

    /// <summary>sFlow bridge sampling, or null when off.</summary>
    public SflowSampling? Sflow { get; }

    /// <summary>Per-flow sFlow selectors (first match wins), empty when none.</summary>
    public IReadOnlyList<SflowFlowSampling> SflowFlows { get; }

    /// <summary>NORMAL's MAC learning table.</summary>
    public MacLearningTable MacTable { get; }

    /// <summary>Netlink pid of userspace actions (0 for the userspace datapath, as the oracle prints).</summary>
    public uint Pid { get; }

    /// <summary>True when OpenFlow sample actions are exported (a flow-sample collector exists).</summary>
    public bool FlowSampling { get; }

    /// <summary>The bridge's UUID, written into cookies.</summary>
    public Guid Ofproto { get; }
}
