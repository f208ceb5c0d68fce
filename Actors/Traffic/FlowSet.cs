using System.Net;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Actors.Traffic;

/// <summary>
/// A fixed set of distinct flows (5-tuples with their ingress port and MACs), built from a seed so
/// a simulation is repeatable, and their frames built once with <see cref="PacketBuilder"/> so
/// generating traffic costs no allocation per packet.
/// </summary>
public sealed class FlowSet
{
    private readonly FlowKey[] _keys;
    private readonly byte[][] _frames;

    /// <summary>Draws <paramref name="count"/> distinct flows following <paramref name="spec"/>.</summary>
    public FlowSet(FlowSetSpec spec, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (spec.InPorts.Count == 0 || spec.Protocols.Count == 0)
        {
            throw new ArgumentException("a flow set needs at least one ingress port and one protocol", nameof(spec));
        }

        var (src, srcLen) = Prefix(spec.SrcPrefix);
        var (dst, dstLen) = Prefix(spec.DstPrefix);
        var rng = new Random(seed);
        var seen = new HashSet<FlowKey>();
        var keys = new List<FlowKey>(count);
        var attempts = 0;
        while (keys.Count < count)
        {
            if (++attempts > count * 20)
            {
                throw new ArgumentException($"cannot draw {count} distinct flows from {spec}", nameof(spec));
            }

            var k = default(FlowKey);
            k.InPort = spec.InPorts[rng.Next(spec.InPorts.Count)];
            // Locally administered MACs: one source per ingress port, one gateway destination,
            // so flows differ in their 5-tuples, as behind a router.
            k.DlSrc = 0x0200_0000_0000UL | k.InPort;
            k.DlDst = 0x0200_0000_0100UL;
            k.DlType = EtherType.Ipv4;
            k.NwSrc = Fill(src, srcLen, rng);
            k.NwDst = Fill(dst, dstLen, rng);
            k.NwTtl = 64;
            switch (spec.Protocols[rng.Next(spec.Protocols.Count)])
            {
                case "tcp":
                    k.NwProto = 6;
                    k.TcpFlags = 0x010;
                    SetPorts(ref k, spec, rng);
                    break;
                case "udp":
                    k.NwProto = 17;
                    SetPorts(ref k, spec, rng);
                    break;
                case "icmp":
                    k.NwProto = 1;
                    k.TpSrc = 8;
                    break;
                case var other:
                    throw new ArgumentException($"unknown protocol '{other}' (tcp, udp or icmp)", nameof(spec));
            }

            if (seen.Add(k))
            {
                keys.Add(k);
            }
        }

        _keys = [.. keys];
        _frames = Array.ConvertAll(_keys, k => PacketBuilder.Build(k, new PacketBuildOptions
        {
            PayloadLength = Math.Max(0, spec.FrameBytes - PacketBuilder.GetFrameLength(k, new PacketBuildOptions { NoPadding = true })),
        }));
    }

    /// <summary>Number of flows.</summary>
    public int Count => _keys.Length;

    /// <summary>The flow key of flow <paramref name="i"/> (as the packet parser will extract it).</summary>
    public FlowKey Key(int i) => _keys[i];

    /// <summary>The frame of flow <paramref name="i"/>; shared, do not modify.</summary>
    public byte[] Frame(int i) => _frames[i];

    private static void SetPorts(ref FlowKey k, FlowSetSpec spec, Random rng)
    {
        k.TpSrc = (ushort)rng.Next(1024, 65536);
        k.TpDst = spec.DstPorts is { Count: > 0 } ports ? ports[rng.Next(ports.Count)] : (ushort)rng.Next(1, 65536);
    }

    private static uint Fill(uint prefix, int len, Random rng)
    {
        var hostBits = 32 - len;
        var host = hostBits == 0 ? 0u : (uint)rng.NextInt64(0, 1L << hostBits);
        return prefix | host;
    }

    private static (uint Prefix, int Len) Prefix(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addr = IPAddress.Parse(slash < 0 ? cidr : cidr[..slash]).GetAddressBytes();
        var len = slash < 0 ? 32 : int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (addr.Length != 4 || len is < 0 or > 32)
        {
            throw new FormatException($"'{cidr}' is not an IPv4 prefix");
        }

        var value = (uint)(addr[0] << 24 | addr[1] << 16 | addr[2] << 8 | addr[3]);
        return (len == 0 ? 0 : value & (uint.MaxValue << (32 - len)), len);
    }
}
