using System.Buffers.Binary;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// Classic pcap (libpcap 2.4) reading and writing for sFlow datagrams. Reading takes microsecond
/// or nanosecond files of either byte order with link types Ethernet (1, 802.1Q tags skipped),
/// raw IP (101), Linux cooked (113) and BSD loopback (0), and yields the payload of every
/// IPv4/IPv6 UDP packet (unfragmented). A malformed file throws <see cref="FormatException"/>
/// naming the offset. Writing wraps payloads in Ethernet/IPv4/UDP to port 6343, so tshark decodes
/// them as sFlow without a decode-as.
/// </summary>
public static class SflowPcap
{
    /// <summary>sFlow's UDP port.</summary>
    public const int SflowPort = 6343;

    private const uint MagicMicro = 0xA1B2C3D4;
    private const uint MagicNano = 0xA1B23C4D;

    /// <summary>True when the bytes start with a classic pcap magic number.</summary>
    /// <param name="data">File bytes.</param>
    /// <returns>True for pcap.</returns>
    public static bool IsPcap(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return false;
        }

        var be = BinaryPrimitives.ReadUInt32BigEndian(data);
        var le = BinaryPrimitives.ReadUInt32LittleEndian(data);
        return be is MagicMicro or MagicNano || le is MagicMicro or MagicNano;
    }

    /// <summary>The UDP payloads of a classic pcap file, in file order.</summary>
    /// <param name="data">File bytes.</param>
    /// <returns>(packet number from 1, payload).</returns>
    public static List<(int Number, byte[] Payload)> ReadUdpPayloads(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!IsPcap(data) || data.Length < 24)
        {
            throw new FormatException("not a classic pcap file (bad magic or short global header) at offset 0");
        }

        var little = BinaryPrimitives.ReadUInt32LittleEndian(data) is MagicMicro or MagicNano;
        uint U32(int off) => little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(off)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(off));
        var linkType = U32(20) & 0xFFFF;
        var result = new List<(int, byte[])>();
        var off = 24;
        var number = 0;
        while (off < data.Length)
        {
            number++;
            if (data.Length - off < 16)
            {
                throw new FormatException($"pcap record {number} header truncated at offset {off}");
            }

            var caplen = U32(off + 8);
            if (caplen > (uint)(data.Length - off - 16))
            {
                throw new FormatException($"pcap record {number} caplen {caplen} runs past the end at offset {off + 8}");
            }

            var frame = data.AsSpan(off + 16, (int)caplen);
            var payload = UdpPayload(frame, linkType);
            if (payload is not null)
            {
                result.Add((number, payload));
            }

            off += 16 + (int)caplen;
        }

        return result;
    }

    private static byte[]? UdpPayload(ReadOnlySpan<byte> frame, uint linkType)
    {
        int ipOff;
        ushort etherType;
        switch (linkType)
        {
            case 1:
                if (frame.Length < 14)
                {
                    return null;
                }

                ipOff = 14;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                while (etherType is 0x8100 or 0x88A8 && frame.Length >= ipOff + 4)
                {
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(ipOff + 2)..]);
                    ipOff += 4;
                }

                break;
            case 113:
                if (frame.Length < 16)
                {
                    return null;
                }

                ipOff = 16;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                break;
            case 101:
                ipOff = 0;
                etherType = frame.Length > 0 && frame[0] >> 4 == 6 ? (ushort)0x86DD : (ushort)0x0800;
                break;
            case 0:
                ipOff = 4;
                etherType = frame.Length > 4 && frame[4] >> 4 == 6 ? (ushort)0x86DD : (ushort)0x0800;
                break;
            default:
                throw new FormatException($"pcap link type {linkType} is not supported (Ethernet, raw IP, Linux cooked, loopback)");
        }

        var ip = frame[Math.Min(ipOff, frame.Length)..];
        int udpOff;
        if (etherType == 0x0800 && ip.Length >= 20 && ip[0] >> 4 == 4 && ip[9] == 17)
        {
            udpOff = (ip[0] & 0xF) * 4;
            var total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            ip = ip[..Math.Min(ip.Length, total)];
        }
        else if (etherType == 0x86DD && ip.Length >= 40 && ip[6] == 17)
        {
            udpOff = 40;
            ip = ip[..Math.Min(ip.Length, 40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]))];
        }
        else
        {
            return null;
        }

        if (ip.Length < udpOff + 8)
        {
            return null;
        }

        var udpLen = BinaryPrimitives.ReadUInt16BigEndian(ip[(udpOff + 4)..]);
        var end = Math.Min(ip.Length, udpOff + Math.Max((int)udpLen, 8));
        return ip[(udpOff + 8)..end].ToArray();
    }

    /// <summary>Writes payloads as a classic pcap (µs, little-endian, Ethernet), 127.0.0.1:40000 → 127.0.0.1:6343.</summary>
    /// <param name="payloads">UDP payloads (sFlow datagrams).</param>
    /// <param name="port">Destination UDP port.</param>
    /// <returns>The file bytes.</returns>
    public static byte[] Write(IEnumerable<byte[]> payloads, int port = SflowPort)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        using var ms = new MemoryStream();
        Span<byte> gh = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(gh, MagicMicro);
        BinaryPrimitives.WriteUInt16LittleEndian(gh[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(gh[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(gh[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(gh[20..], 1);
        ms.Write(gh);
        uint second = 0;
        Span<byte> rh = stackalloc byte[16];
        foreach (var p in payloads)
        {
            var frame = new byte[14 + 20 + 8 + p.Length];
            var f = frame.AsSpan();
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
            var ip = f[14..];
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + p.Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(second + 1));
            ip[6] = 0x40;
            ip[8] = 64;
            ip[9] = 17;
            ip[12] = 127;
            ip[15] = 1;
            ip[16] = 127;
            ip[19] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20]));
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)port);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + p.Length));
            p.CopyTo(udp[8..]);

            rh.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(rh, second++);
            BinaryPrimitives.WriteUInt32LittleEndian(rh[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(rh[12..], (uint)frame.Length);
            ms.Write(rh);
            ms.Write(frame);
        }

        return ms.ToArray();
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
