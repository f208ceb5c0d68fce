using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// Writes sFlow v5 datagrams byte for byte (XDR: big-endian words, opaques padded with zeros to
/// 4 bytes). Sizes are computed first (<see cref="GetSize(SflowDatagram)"/>), then the datagram is
/// written into a buffer of exactly that size. Values that cannot be represented (a compact
/// source index ≥ 2^24, a compact interface value ≥ 2^30, an Ethernet record without 13
/// counters, an IPv4-mapped agent that is neither IPv4 nor IPv6) throw <see cref="ArgumentException"/>.
/// </summary>
public static class SflowEncoder
{
    /// <summary>Datagram header size with an IPv4 agent.</summary>
    public const int HeaderSizeIPv4 = 28;

    /// <summary>Datagram header size with an IPv6 agent.</summary>
    public const int HeaderSizeIPv6 = 40;

    /// <summary>The encoded size of a datagram.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <returns>Bytes.</returns>
    public static int GetSize(SflowDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        var size = HeaderSize(datagram.Agent);
        foreach (var s in datagram.Samples)
        {
            size += GetSampleSize(s);
        }

        return size;
    }

    /// <summary>Datagram header size for this agent address.</summary>
    /// <param name="agent">The agent address.</param>
    /// <returns>28 or 40.</returns>
    public static int HeaderSize(IPAddress agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.AddressFamily switch
        {
            AddressFamily.InterNetwork => HeaderSizeIPv4,
            AddressFamily.InterNetworkV6 => HeaderSizeIPv6,
            _ => throw new ArgumentException($"sFlow agent address must be IPv4 or IPv6, not {agent.AddressFamily}", nameof(agent)),
        };
    }

    /// <summary>The encoded size of one sample, its 8-byte format and length words included (sflow-brief §2.4).</summary>
    /// <param name="sample">The sample.</param>
    /// <returns>Bytes.</returns>
    public static int GetSampleSize(SflowSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return 8 + sample switch
        {
            SflowFlowSample f => (f.Expanded ? 44 : 32) + f.Records.Sum(r => 8 + FlowRecordBodySize(r)),
            SflowCountersSample c => (c.Expanded ? 16 : 12) + c.Records.Sum(r => 8 + CounterRecordBodySize(r)),
            SflowUnknownSample u => Pad4(u.Body.Length),
            _ => throw new ArgumentException($"unsupported sample {sample.GetType().Name}", nameof(sample)),
        };
    }

    /// <summary>Encodes a datagram into a new array of exactly <see cref="GetSize(SflowDatagram)"/> bytes.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Encode(SflowDatagram datagram)
    {
        var buffer = new byte[GetSize(datagram)];
        var written = Encode(datagram, buffer);
        System.Diagnostics.Debug.Assert(written == buffer.Length, "size computation and writer disagree");
        return buffer;
    }

    /// <summary>Encodes a datagram into <paramref name="destination"/>.</summary>
    /// <param name="datagram">The datagram.</param>
    /// <param name="destination">At least <see cref="GetSize(SflowDatagram)"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    public static int Encode(SflowDatagram datagram, Span<byte> destination)
    {
        var size = GetSize(datagram);
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the datagram needs {size}", nameof(destination));
        }

        var w = new Writer(destination[..size]);
        w.U32(5);
        if (datagram.Agent.AddressFamily == AddressFamily.InterNetwork)
        {
            w.U32(1);
        }
        else
        {
            w.U32(2);
        }

        w.Bytes(datagram.Agent.GetAddressBytes());
        w.U32(datagram.SubAgentId);
        w.U32(datagram.SequenceNumber);
        w.U32(datagram.UptimeMs);
        w.U32((uint)datagram.Samples.Count);
        foreach (var s in datagram.Samples)
        {
            WriteSample(ref w, s);
        }

        if (w.Position != size)
        {
            throw new InvalidOperationException($"sFlow encoder wrote {w.Position} bytes, expected {size}");
        }

        return size;
    }

    /// <summary>Encodes one sample (format, length and body) on its own, e.g. for a receiver's buffer.</summary>
    /// <param name="sample">The sample.</param>
    /// <returns>The bytes, <see cref="GetSampleSize"/> long.</returns>
    public static byte[] EncodeSample(SflowSample sample)
    {
        var buffer = new byte[GetSampleSize(sample)];
        var w = new Writer(buffer);
        WriteSample(ref w, sample);
        return buffer;
    }

    private static void WriteSample(ref Writer w, SflowSample sample)
    {
        var size = GetSampleSize(sample);
        w.U32(sample.Format);
        w.U32((uint)(size - 8));
        switch (sample)
        {
            case SflowFlowSample f:
                w.U32(f.SequenceNumber);
                WriteSource(ref w, f.SourceIdType, f.SourceIdIndex, f.Expanded);
                w.U32(f.SamplingRate);
                w.U32(f.SamplePool);
                w.U32(f.Drops);
                WriteInterface(ref w, f.Input, f.Expanded);
                WriteInterface(ref w, f.Output, f.Expanded);
                w.U32((uint)f.Records.Count);
                foreach (var r in f.Records)
                {
                    WriteFlowRecord(ref w, r);
                }

                break;
            case SflowCountersSample c:
                w.U32(c.SequenceNumber);
                WriteSource(ref w, c.SourceIdType, c.SourceIdIndex, c.Expanded);
                w.U32((uint)c.Records.Count);
                foreach (var r in c.Records)
                {
                    WriteCounterRecord(ref w, r);
                }

                break;
            case SflowUnknownSample u:
                w.Padded(u.Body);
                break;
        }
    }

    private static void WriteSource(ref Writer w, uint type, uint index, bool expanded)
    {
        if (expanded)
        {
            w.U32(type);
            w.U32(index);
            return;
        }

        if (type > 0xFF || index > 0xFF_FFFF)
        {
            throw new ArgumentException($"compact source_id needs type < 256 and index < 2^24, got {type}:{index}");
        }

        w.U32((type << 24) | index);
    }

    private static void WriteInterface(ref Writer w, SflowInterface i, bool expanded)
    {
        if (expanded)
        {
            w.U32(i.FormatBits);
            w.U32(i.Value);
            return;
        }

        if (i.FormatBits > 3 || i.Value > 0x3FFF_FFFF)
        {
            throw new ArgumentException($"compact interface needs format < 4 and value < 2^30, got {i.FormatBits}/{i.Value}");
        }

        w.U32(i.CompactWord);
    }

    private static int FlowRecordBodySize(SflowFlowRecord r) => r switch
    {
        SflowSampledHeader h => 16 + Pad4(h.Header.Length),
        SflowExtendedSwitch => 16,
        SflowUnknownFlowRecord u => Pad4(u.Body.Length),
        _ => throw new ArgumentException($"unsupported flow record {r.GetType().Name}", nameof(r)),
    };

    private static int CounterRecordBodySize(SflowCounterRecord r) => r switch
    {
        SflowIfCounters => 88,
        SflowEthernetCounters => 4 * SflowEthernetCounters.Count,
        SflowUnknownCounterRecord u => Pad4(u.Body.Length),
        _ => throw new ArgumentException($"unsupported counter record {r.GetType().Name}", nameof(r)),
    };

    private static void WriteFlowRecord(ref Writer w, SflowFlowRecord r)
    {
        w.U32(r.Format);
        w.U32((uint)FlowRecordBodySize(r));
        switch (r)
        {
            case SflowSampledHeader h:
                w.U32(h.Protocol);
                w.U32(h.FrameLength);
                w.U32(h.Stripped);
                w.U32((uint)h.Header.Length);
                w.Padded(h.Header);
                break;
            case SflowExtendedSwitch s:
                w.U32(s.SrcVlan);
                w.U32(s.SrcPriority);
                w.U32(s.DstVlan);
                w.U32(s.DstPriority);
                break;
            case SflowUnknownFlowRecord u:
                w.Padded(u.Body);
                break;
        }
    }

    private static void WriteCounterRecord(ref Writer w, SflowCounterRecord r)
    {
        w.U32(r.Format);
        w.U32((uint)CounterRecordBodySize(r));
        switch (r)
        {
            case SflowIfCounters c:
                w.U32(c.IfIndex);
                w.U32(c.IfType);
                w.U64(c.IfSpeed);
                w.U32(c.IfDirection);
                w.U32(c.IfStatus);
                w.U64(c.IfInOctets);
                w.U32(c.IfInUcastPkts);
                w.U32(c.IfInMulticastPkts);
                w.U32(c.IfInBroadcastPkts);
                w.U32(c.IfInDiscards);
                w.U32(c.IfInErrors);
                w.U32(c.IfInUnknownProtos);
                w.U64(c.IfOutOctets);
                w.U32(c.IfOutUcastPkts);
                w.U32(c.IfOutMulticastPkts);
                w.U32(c.IfOutBroadcastPkts);
                w.U32(c.IfOutDiscards);
                w.U32(c.IfOutErrors);
                w.U32(c.IfPromiscuousMode);
                break;
            case SflowEthernetCounters e:
                if (e.Counters.Count != SflowEthernetCounters.Count)
                {
                    throw new ArgumentException($"ethernet_counters needs {SflowEthernetCounters.Count} counters, got {e.Counters.Count}");
                }

                foreach (var v in e.Counters)
                {
                    w.U32(v);
                }

                break;
            case SflowUnknownCounterRecord u:
                w.Padded(u.Body);
                break;
        }
    }

    internal static int Pad4(int n) => (n + 3) & ~3;

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> buffer = buffer;

        public int Position { get; private set; }

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer[Position..], v);
            Position += 4;
        }

        public void U64(ulong v)
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer[Position..], v);
            Position += 8;
        }

        public void Bytes(ReadOnlySpan<byte> b)
        {
            b.CopyTo(buffer[Position..]);
            Position += b.Length;
        }

        public void Padded(ReadOnlySpan<byte> b)
        {
            Bytes(b);
            var pad = Pad4(b.Length) - b.Length;
            buffer.Slice(Position, pad).Clear();
            Position += pad;
        }
    }
}
