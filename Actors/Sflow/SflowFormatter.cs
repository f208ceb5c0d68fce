using System.Globalization;
using System.Text;

namespace VSwarm.Actors.Sflow;

/// <summary>Human-readable listing of decoded datagrams (one line per datagram, sample and record).</summary>
public static class SflowFormatter
{
    /// <summary>Formats a datagram.</summary>
    /// <param name="d">The datagram.</param>
    /// <param name="size">Its encoded size in bytes.</param>
    /// <returns>Lines ending in '\n'.</returns>
    public static string Format(SflowDatagram d, int size)
    {
        ArgumentNullException.ThrowIfNull(d);
        var sb = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        sb.Append(ic, $"datagram v5 agent={d.Agent} sub_agent={d.SubAgentId} seq={d.SequenceNumber} uptime_ms={d.UptimeMs} samples={d.Samples.Count} bytes={size}\n");
        foreach (var s in d.Samples)
        {
            switch (s)
            {
                case SflowFlowSample f:
                    sb.Append(ic, $"  {(f.Expanded ? "flow_sample_expanded" : "flow_sample")} seq={f.SequenceNumber} source={f.SourceIdType}:{f.SourceIdIndex} rate={f.SamplingRate} pool={f.SamplePool} drops={f.Drops} input={f.Input} output={f.Output} records={f.Records.Count}\n");
                    foreach (var r in f.Records)
                    {
                        sb.Append("    ").Append(r switch
                        {
                            SflowSampledHeader h => string.Create(ic, $"sampled_header protocol={h.Protocol} frame_length={h.FrameLength} stripped={h.Stripped} header_length={h.Header.Length} header={Convert.ToHexStringLower(h.Header)}"),
                            SflowExtendedSwitch w => string.Create(ic, $"extended_switch src_vlan={w.SrcVlan} src_priority={w.SrcPriority} dst_vlan={w.DstVlan} dst_priority={w.DstPriority}"),
                            SflowUnknownFlowRecord u => string.Create(ic, $"flow_record {SflowFormats.Name(u.RawFormat)} length={u.Body.Length} (not decoded)"),
                            _ => r.ToString(),
                        }).Append('\n');
                    }

                    break;
                case SflowCountersSample c:
                    sb.Append(ic, $"  {(c.Expanded ? "counters_sample_expanded" : "counters_sample")} seq={c.SequenceNumber} source={c.SourceIdType}:{c.SourceIdIndex} records={c.Records.Count}\n");
                    foreach (var r in c.Records)
                    {
                        sb.Append("    ").Append(r switch
                        {
                            SflowIfCounters i => string.Create(ic, $"if_counters ifIndex={i.IfIndex} ifType={i.IfType} ifSpeed={i.IfSpeed} ifDirection={i.IfDirection} ifStatus={i.IfStatus} in_octets={i.IfInOctets} in_ucast={i.IfInUcastPkts} in_mcast={i.IfInMulticastPkts} in_bcast={i.IfInBroadcastPkts} in_discards={i.IfInDiscards} in_errors={i.IfInErrors} in_unknown={i.IfInUnknownProtos} out_octets={i.IfOutOctets} out_ucast={i.IfOutUcastPkts} out_mcast={i.IfOutMulticastPkts} out_bcast={i.IfOutBroadcastPkts} out_discards={i.IfOutDiscards} out_errors={i.IfOutErrors} promiscuous={i.IfPromiscuousMode}"),
                            SflowEthernetCounters e => "ethernet_counters " + string.Join(',', e.Counters.Select(v => v.ToString(ic))),
                            SflowUnknownCounterRecord u => string.Create(ic, $"counter_record {SflowFormats.Name(u.RawFormat)} length={u.Body.Length} (not decoded)"),
                            _ => r.ToString(),
                        }).Append('\n');
                    }

                    break;
                case SflowUnknownSample u:
                    sb.Append(ic, $"  sample {SflowFormats.Name(u.RawFormat)} length={u.Body.Length} (not decoded)\n");
                    break;
            }
        }

        return sb.ToString();
    }
}
