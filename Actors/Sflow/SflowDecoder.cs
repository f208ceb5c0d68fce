using System.Buffers.Binary;
using System.Net;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// Thrown by <see cref="SflowDecoder"/> for a malformed datagram; it is the only exception the
/// decoder lets escape. <see cref="Offset"/> is the byte offset, from the start of the datagram,
/// of the item that could not be read.
/// <para>Malformed means: a version other than 5; an agent address type other than 1 or 2; a
/// sample or record length that is not a multiple of 4 or runs past its enclosing structure; a
/// known structure shorter than its fixed part; a sampled_header whose header_length does not
/// fit its record; bytes left after the last sample. Bytes left at the end of a sample or
/// record are allowed (structures may grow at their end) and ignored.</para>
/// </summary>
public sealed class SflowDecodeException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public SflowDecodeException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public SflowDecodeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SflowDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="offset">Byte offset in the datagram.</param>
    public SflowDecodeException(string message, int offset)
        : base($"sFlow datagram malformed at offset {offset} (0x{offset:x4}): {message}")
    {
        Offset = offset;
    }

    /// <summary>Byte offset of the bad item from the start of the datagram.</summary>
    public int Offset { get; }
}

/// <summary>
/// Reads sFlow v5 datagrams (sflow-brief §1–§3). Known samples: (0,1)–(0,4); known flow records:
/// sampled_header (1), extended_switch (1001); known counter records: if_counters (1),
/// ethernet_counters (2). Everything else is kept as an "unknown" record with its raw body and
/// skipped by its length. Every read is bounds-checked; failures throw
/// <see cref="SflowDecodeException"/> naming the offset.
/// </summary>
public static class SflowDecoder
{
    /// <summary>Decodes one datagram that fills <paramref name="data"/> exactly.</summary>
    /// <param name="data">The UDP payload.</param>
    /// <returns>The datagram.</returns>
    /// <exception cref="SflowDecodeException">The datagram is malformed.</exception>
    public static SflowDatagram Decode(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data, 0, data.Length);
        var version = r.U32("version");
        if (version != 5)
        {
            throw new SflowDecodeException($"version {version}, expected 5", 0);
        }

        var typeOffset = r.Position;
        var addressType = r.U32("agent_address.type");
        IPAddress agent = addressType switch
        {
            1 => new IPAddress(r.Bytes(4, "agent_address")),
            2 => new IPAddress(r.Bytes(16, "agent_address")),
            _ => throw new SflowDecodeException($"agent address type {addressType}, expected 1 (IPv4) or 2 (IPv6)", typeOffset),
        };
        var subAgent = r.U32("sub_agent_id");
        var sequence = r.U32("sequence_number");
        var uptime = r.U32("uptime");
        var count = r.U32("num_samples");
        var samples = new List<SflowSample>();
        for (uint i = 0; i < count; i++)
        {
            var (format, body) = r.Opaque($"sample[{i}]");
            samples.Add(format switch
            {
                SflowFormats.FlowSample or SflowFormats.FlowSampleExpanded => ReadFlowSample(data, body, format == SflowFormats.FlowSampleExpanded),
                SflowFormats.CountersSample or SflowFormats.CountersSampleExpanded => ReadCountersSample(data, body, format == SflowFormats.CountersSampleExpanded),
                _ => new SflowUnknownSample(format, body.AllBytes(data)),
            });
        }

        if (r.Position != data.Length)
        {
            throw new SflowDecodeException($"{data.Length - r.Position} bytes left after the last of {count} samples", r.Position);
        }

        return new SflowDatagram(agent, subAgent, sequence, uptime, samples);
    }

    private static SflowFlowSample ReadFlowSample(ReadOnlySpan<byte> data, Range body, bool expanded)
    {
        var r = new Reader(data, body.Start, body.End);
        var seq = r.U32("flow_sample.sequence_number");
        var (type, index) = ReadSource(ref r, expanded);
        var rate = r.U32("flow_sample.sampling_rate");
        var pool = r.U32("flow_sample.sample_pool");
        var drops = r.U32("flow_sample.drops");
        var input = ReadInterface(ref r, expanded, "flow_sample.input");
        var output = ReadInterface(ref r, expanded, "flow_sample.output");
        var count = r.U32("flow_sample.num_records");
        var records = new List<SflowFlowRecord>();
        for (uint i = 0; i < count; i++)
        {
            var (format, rb) = r.Opaque($"flow_record[{i}]");
            records.Add(format switch
            {
                SflowFormats.SampledHeader => ReadSampledHeader(data, rb),
                SflowFormats.ExtendedSwitch => ReadExtendedSwitch(data, rb),
                _ => new SflowUnknownFlowRecord(format, rb.AllBytes(data)),
            });
        }

        return new SflowFlowSample(seq, type, index, rate, pool, drops, input, output, records, expanded);
    }

    private static SflowCountersSample ReadCountersSample(ReadOnlySpan<byte> data, Range body, bool expanded)
    {
        var r = new Reader(data, body.Start, body.End);
        var seq = r.U32("counters_sample.sequence_number");
        var (type, index) = ReadSource(ref r, expanded);
        var count = r.U32("counters_sample.num_records");
        var records = new List<SflowCounterRecord>();
        for (uint i = 0; i < count; i++)
        {
            var (format, rb) = r.Opaque($"counter_record[{i}]");
            records.Add(format switch
            {
                SflowFormats.IfCounters => ReadIfCounters(data, rb),
                SflowFormats.EthernetCounters => ReadEthernetCounters(data, rb),
                _ => new SflowUnknownCounterRecord(format, rb.AllBytes(data)),
            });
        }

        return new SflowCountersSample(seq, type, index, records, expanded);
    }

    private static (uint Type, uint Index) ReadSource(ref Reader r, bool expanded)
    {
        if (expanded)
        {
            return (r.U32("source_id_type"), r.U32("source_id_index"));
        }

        var word = r.U32("source_id");
        return (word >> 24, word & 0xFF_FFFF);
    }

    private static SflowInterface ReadInterface(ref Reader r, bool expanded, string what) =>
        expanded ? new SflowInterface(r.U32(what + ".format"), r.U32(what + ".value")) : SflowInterface.FromCompact(r.U32(what));

    private static SflowSampledHeader ReadSampledHeader(ReadOnlySpan<byte> data, Range body)
    {
        var r = new Reader(data, body.Start, body.End);
        var protocol = r.U32("sampled_header.protocol");
        var frameLength = r.U32("sampled_header.frame_length");
        var stripped = r.U32("sampled_header.stripped");
        var lengthOffset = r.Position;
        var headerLength = r.U32("sampled_header.header_length");
        if (headerLength > (uint)(body.End - r.Position))
        {
            throw new SflowDecodeException($"sampled_header.header_length {headerLength} runs past its record (ends at {body.End})", lengthOffset);
        }

        var header = r.Bytes((int)headerLength, "sampled_header.header");
        r.Skip(SflowEncoder.Pad4((int)headerLength) - (int)headerLength, "sampled_header padding");
        return new SflowSampledHeader(protocol, frameLength, stripped, header);
    }

    private static SflowExtendedSwitch ReadExtendedSwitch(ReadOnlySpan<byte> data, Range body)
    {
        var r = new Reader(data, body.Start, body.End);
        return new SflowExtendedSwitch(
            r.U32("extended_switch.src_vlan"), r.U32("extended_switch.src_priority"),
            r.U32("extended_switch.dst_vlan"), r.U32("extended_switch.dst_priority"));
    }

    private static SflowIfCounters ReadIfCounters(ReadOnlySpan<byte> data, Range body)
    {
        var r = new Reader(data, body.Start, body.End);
        return new SflowIfCounters
        {
            IfIndex = r.U32("ifIndex"),
            IfType = r.U32("ifType"),
            IfSpeed = r.U64("ifSpeed"),
            IfDirection = r.U32("ifDirection"),
            IfStatus = r.U32("ifStatus"),
            IfInOctets = r.U64("ifInOctets"),
            IfInUcastPkts = r.U32("ifInUcastPkts"),
            IfInMulticastPkts = r.U32("ifInMulticastPkts"),
            IfInBroadcastPkts = r.U32("ifInBroadcastPkts"),
            IfInDiscards = r.U32("ifInDiscards"),
            IfInErrors = r.U32("ifInErrors"),
            IfInUnknownProtos = r.U32("ifInUnknownProtos"),
            IfOutOctets = r.U64("ifOutOctets"),
            IfOutUcastPkts = r.U32("ifOutUcastPkts"),
            IfOutMulticastPkts = r.U32("ifOutMulticastPkts"),
            IfOutBroadcastPkts = r.U32("ifOutBroadcastPkts"),
            IfOutDiscards = r.U32("ifOutDiscards"),
            IfOutErrors = r.U32("ifOutErrors"),
            IfPromiscuousMode = r.U32("ifPromiscuousMode"),
        };
    }

    private static SflowEthernetCounters ReadEthernetCounters(ReadOnlySpan<byte> data, Range body)
    {
        var r = new Reader(data, body.Start, body.End);
        var values = new uint[SflowEthernetCounters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.U32($"ethernet_counters[{i}]");
        }

        return new SflowEthernetCounters(values);
    }

    /// <summary>Absolute [Start, End) byte range within the datagram.</summary>
    private readonly record struct Range(int Start, int End)
    {
        public byte[] AllBytes(ReadOnlySpan<byte> data) => data[Start..End].ToArray();
    }

    /// <summary>A bounds-checked big-endian reader over data[start..end), positions absolute.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, int start, int end)
    {
        private readonly ReadOnlySpan<byte> data = data;

        public int Position { get; private set; } = start;

        public uint U32(string what)
        {
            Need(4, what);
            var v = BinaryPrimitives.ReadUInt32BigEndian(data[Position..]);
            Position += 4;
            return v;
        }

        public ulong U64(string what)
        {
            Need(8, what);
            var v = BinaryPrimitives.ReadUInt64BigEndian(data[Position..]);
            Position += 8;
            return v;
        }

        public byte[] Bytes(int n, string what)
        {
            Need(n, what);
            var v = data.Slice(Position, n).ToArray();
            Position += n;
            return v;
        }

        public void Skip(int n, string what)
        {
            Need(n, what);
            Position += n;
        }

        /// <summary>Reads data_format and length, checks the body, and moves past it.</summary>
        public (uint Format, Range Body) Opaque(string what)
        {
            var format = U32(what + ".data_format");
            var lengthOffset = Position;
            var length = U32(what + ".length");
            if (length % 4 != 0)
            {
                throw new SflowDecodeException($"{what} ({SflowFormats.Name(format)}) length {length} is not a multiple of 4", lengthOffset);
            }

            if (length > (uint)(end - Position))
            {
                throw new SflowDecodeException(
                    $"{what} ({SflowFormats.Name(format)}) length {length} runs past the end of its enclosing structure ({end - Position} bytes left)", lengthOffset);
            }

            var body = new Range(Position, Position + (int)length);
            Position += (int)length;
            return (format, body);
        }

        private readonly void Need(int n, string what)
        {
            if (n > end - Position)
            {
                throw new SflowDecodeException($"{what} needs {n} bytes, only {end - Position} left in its structure (ends at {end})", Position);
            }
        }
    }
}
