using System.Net;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// An sFlow v5 datagram (sflow-brief §1.2). The agent address is IPv4 (28-byte header) or IPv6
/// (40-byte header); <see cref="IPAddress.None"/>-like unknown addresses are not modelled: OVS
/// never sends type 0, and neither does VSwarm.
/// </summary>
/// <param name="Agent">Agent address (IPv4 or IPv6).</param>
/// <param name="SubAgentId">Sub-agent id (OVS: the bridge's sFlow number).</param>
/// <param name="SequenceNumber">Datagram sequence number of this sub-agent's stream.</param>
/// <param name="UptimeMs">Milliseconds since the agent booted (wraps at 2^32).</param>
/// <param name="Samples">The samples, in wire order.</param>
public sealed record SflowDatagram(IPAddress Agent, uint SubAgentId, uint SequenceNumber, uint UptimeMs, IReadOnlyList<SflowSample> Samples);

/// <summary>A sample_record of a datagram.</summary>
public abstract record SflowSample
{
    /// <summary>The sample's data_format (enterprise &lt;&lt; 12 | format).</summary>
    public abstract uint Format { get; }
}

/// <summary>
/// An sFlow <c>interface</c> value (sflow-brief §2.5): format 0 = a single ifIndex (or
/// 0x3FFFFFFF = the device itself in compact form), 1 = discarded (value = reason), 2 = multiple
/// (value = number of ports, 0 = unknown).
/// </summary>
/// <param name="FormatBits">Format, 0..2.</param>
/// <param name="Value">Value (30 bits in compact form, 32 in expanded form).</param>
public readonly record struct SflowInterface(uint FormatBits, uint Value)
{
    /// <summary>The compact 32-bit word: format in the top 2 bits, value in the low 30.</summary>
    public uint CompactWord => (FormatBits << 30) | Value;

    /// <summary>Splits a compact word (as carried in an OVS sFlow cookie's output field).</summary>
    /// <param name="word">The compact word.</param>
    /// <returns>The interface value.</returns>
    public static SflowInterface FromCompact(uint word) => new(word >> 30, word & 0x3FFF_FFFF);

    /// <inheritdoc/>
    public override string ToString() => FormatBits switch
    {
        0 => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => $"discard({Value})",
        2 => $"multiple({Value})",
        _ => $"format{FormatBits}({Value})",
    };
}

/// <summary>flow_sample (0,1) or flow_sample_expanded (0,3) (sflow-brief §2.1, §2.2).</summary>
/// <param name="SequenceNumber">Flow-sample sequence number of the data source.</param>
/// <param name="SourceIdType">Source class (0 ifIndex, 1 VLAN, 2 entPhysicalEntry, 3 logical entity).</param>
/// <param name="SourceIdIndex">Source index (24 bits in compact form).</param>
/// <param name="SamplingRate">1 in N.</param>
/// <param name="SamplePool">Packets that could have been sampled.</param>
/// <param name="Drops">Samples lost for lack of resources.</param>
/// <param name="Input">Input interface.</param>
/// <param name="Output">Output interface.</param>
/// <param name="Records">Flow records, in wire order.</param>
/// <param name="Expanded">True for the expanded form (0,3).</param>
public sealed record SflowFlowSample(
    uint SequenceNumber, uint SourceIdType, uint SourceIdIndex, uint SamplingRate, uint SamplePool, uint Drops,
    SflowInterface Input, SflowInterface Output, IReadOnlyList<SflowFlowRecord> Records, bool Expanded = false) : SflowSample
{
    /// <inheritdoc/>
    public override uint Format => Expanded ? SflowFormats.FlowSampleExpanded : SflowFormats.FlowSample;
}

/// <summary>counters_sample (0,2) or counters_sample_expanded (0,4) (sflow-brief §2.3).</summary>
/// <param name="SequenceNumber">Counter-sample sequence number of the data source.</param>
/// <param name="SourceIdType">Source class.</param>
/// <param name="SourceIdIndex">Source index.</param>
/// <param name="Records">Counter records, in wire order.</param>
/// <param name="Expanded">True for the expanded form (0,4).</param>
public sealed record SflowCountersSample(
    uint SequenceNumber, uint SourceIdType, uint SourceIdIndex, IReadOnlyList<SflowCounterRecord> Records, bool Expanded = false) : SflowSample
{
    /// <inheritdoc/>
    public override uint Format => Expanded ? SflowFormats.CountersSampleExpanded : SflowFormats.CountersSample;
}

/// <summary>A sample of a format VSwarm does not decode; kept verbatim (body only).</summary>
/// <param name="RawFormat">The data_format.</param>
/// <param name="Body">The body, unpadded length a multiple of 4.</param>
public sealed record SflowUnknownSample(uint RawFormat, byte[] Body) : SflowSample
{
    /// <inheritdoc/>
    public override uint Format => RawFormat;
}

/// <summary>A flow_record.</summary>
public abstract record SflowFlowRecord
{
    /// <summary>The record's data_format.</summary>
    public abstract uint Format { get; }
}

/// <summary>sampled_header (0,1): raw packet header (sflow-brief §3.1).</summary>
/// <param name="Protocol">header_protocol (1 = Ethernet).</param>
/// <param name="FrameLength">Original frame length including the FCS.</param>
/// <param name="Stripped">Bytes removed before the header was copied.</param>
/// <param name="Header">The header bytes (unpadded).</param>
public sealed record SflowSampledHeader(uint Protocol, uint FrameLength, uint Stripped, byte[] Header) : SflowFlowRecord
{
    /// <inheritdoc/>
    public override uint Format => SflowFormats.SampledHeader;
}

/// <summary>extended_switch (0,1001).</summary>
/// <param name="SrcVlan">Incoming 802.1Q VLAN id.</param>
/// <param name="SrcPriority">Incoming 802.1p priority.</param>
/// <param name="DstVlan">Outgoing VLAN id.</param>
/// <param name="DstPriority">Outgoing priority.</param>
public sealed record SflowExtendedSwitch(uint SrcVlan, uint SrcPriority, uint DstVlan, uint DstPriority) : SflowFlowRecord
{
    /// <inheritdoc/>
    public override uint Format => SflowFormats.ExtendedSwitch;
}

/// <summary>A flow record VSwarm does not decode; kept verbatim (its body).</summary>
/// <param name="RawFormat">The data_format.</param>
/// <param name="Body">The body.</param>
public sealed record SflowUnknownFlowRecord(uint RawFormat, byte[] Body) : SflowFlowRecord
{
    /// <inheritdoc/>
    public override uint Format => RawFormat;
}

/// <summary>A counter_record.</summary>
public abstract record SflowCounterRecord
{
    /// <summary>The record's data_format.</summary>
    public abstract uint Format { get; }
}

/// <summary>if_counters (0,1), the generic interface counters, 88 bytes (sflow-brief §3.2).</summary>
public sealed record SflowIfCounters : SflowCounterRecord
{
    /// <inheritdoc/>
    public override uint Format => SflowFormats.IfCounters;

    /// <summary>ifIndex.</summary>
    public uint IfIndex { get; init; }

    /// <summary>ifType (6 = ethernetCsmacd).</summary>
    public uint IfType { get; init; }

    /// <summary>ifSpeed, bits/s.</summary>
    public ulong IfSpeed { get; init; }

    /// <summary>0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out.</summary>
    public uint IfDirection { get; init; }

    /// <summary>Bit 0 admin up, bit 1 oper up.</summary>
    public uint IfStatus { get; init; }

    /// <summary>ifInOctets.</summary>
    public ulong IfInOctets { get; init; }

    /// <summary>ifInUcastPkts.</summary>
    public uint IfInUcastPkts { get; init; }

    /// <summary>ifInMulticastPkts.</summary>
    public uint IfInMulticastPkts { get; init; }

    /// <summary>ifInBroadcastPkts.</summary>
    public uint IfInBroadcastPkts { get; init; }

    /// <summary>ifInDiscards.</summary>
    public uint IfInDiscards { get; init; }

    /// <summary>ifInErrors.</summary>
    public uint IfInErrors { get; init; }

    /// <summary>ifInUnknownProtos.</summary>
    public uint IfInUnknownProtos { get; init; }

    /// <summary>ifOutOctets.</summary>
    public ulong IfOutOctets { get; init; }

    /// <summary>ifOutUcastPkts.</summary>
    public uint IfOutUcastPkts { get; init; }

    /// <summary>ifOutMulticastPkts.</summary>
    public uint IfOutMulticastPkts { get; init; }

    /// <summary>ifOutBroadcastPkts.</summary>
    public uint IfOutBroadcastPkts { get; init; }

    /// <summary>ifOutDiscards.</summary>
    public uint IfOutDiscards { get; init; }

    /// <summary>ifOutErrors.</summary>
    public uint IfOutErrors { get; init; }

    /// <summary>ifPromiscuousMode (OVS sends 0).</summary>
    public uint IfPromiscuousMode { get; init; }
}

/// <summary>ethernet_counters (0,2): the 13 dot3Stats counters in spec order, 52 bytes.</summary>
/// <param name="Counters">Exactly 13 values.</param>
public sealed record SflowEthernetCounters(IReadOnlyList<uint> Counters) : SflowCounterRecord
{
    /// <summary>Number of dot3 counters.</summary>
    public const int Count = 13;

    /// <inheritdoc/>
    public override uint Format => SflowFormats.EthernetCounters;
}

/// <summary>A counter record VSwarm does not decode; kept verbatim.</summary>
/// <param name="RawFormat">The data_format.</param>
/// <param name="Body">The body.</param>
public sealed record SflowUnknownCounterRecord(uint RawFormat, byte[] Body) : SflowCounterRecord
{
    /// <inheritdoc/>
    public override uint Format => RawFormat;
}

/// <summary>data_format numbers (enterprise 0).</summary>
public static class SflowFormats
{
    /// <summary>flow_sample (0,1).</summary>
    public const uint FlowSample = 1;

    /// <summary>counters_sample (0,2).</summary>
    public const uint CountersSample = 2;

    /// <summary>flow_sample_expanded (0,3).</summary>
    public const uint FlowSampleExpanded = 3;

    /// <summary>counters_sample_expanded (0,4).</summary>
    public const uint CountersSampleExpanded = 4;

    /// <summary>sampled_header flow record (0,1).</summary>
    public const uint SampledHeader = 1;

    /// <summary>extended_switch flow record (0,1001).</summary>
    public const uint ExtendedSwitch = 1001;

    /// <summary>if_counters counter record (0,1).</summary>
    public const uint IfCounters = 1;

    /// <summary>ethernet_counters counter record (0,2).</summary>
    public const uint EthernetCounters = 2;

    /// <summary>"enterprise:format" text of a data_format.</summary>
    /// <param name="format">The data_format word.</param>
    /// <returns>e.g. "0:1001".</returns>
    public static string Name(uint format) => $"{format >> 12}:{format & 0xFFF}";
}
