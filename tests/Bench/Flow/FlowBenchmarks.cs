using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Bench.Flow;

/// <summary>Adds Min, Median and operations-per-second columns (one operation = one packet or one hash); Min is the figure least disturbed by other load on a shared machine.</summary>
public sealed class PerOperationConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public PerOperationConfig() => AddColumn(StatisticColumn.Min, StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
}

/// <summary>Deterministic mixed traffic: the frames and keys the flow benchmarks work on.</summary>
public static class FlowBenchData
{
    /// <summary>Frames and keys per batch.</summary>
    public const int Batch = 256;

    /// <summary>Builds a batch of keys of mixed protocols (TCP/UDP over IPv4 and IPv6, VLAN, ARP, ICMP, ND).</summary>
    public static FlowKey[] Keys()
    {
        var rnd = new Random(42);
        var keys = new FlowKey[Batch];
        for (var i = 0; i < Batch; i++)
        {
            var k = default(FlowKey);
            k.InPort = (uint)(i % 8) + 1;
            k.DlDst = 0x5254_0000_0000UL | (uint)rnd.Next();
            k.DlSrc = 0x5254_0100_0000UL | (uint)rnd.Next();
            var kind = i % 8;
            if (kind == 2)
            {
                k.VlanTci = (ushort)(FlowKey.VlanCfi | (i % 4000));
            }

            switch (kind)
            {
                case 5:
                    k.DlType = PacketParser.EthTypeArp;
                    k.NwProto = 1;
                    k.NwSrc = 0x0A00_0000u | (uint)rnd.Next(0xFFFF);
                    k.NwDst = 0x0A00_0000u | (uint)rnd.Next(0xFFFF);
                    k.ArpSha = k.DlSrc;
                    break;
                case 3:
                case 4:
                case 7:
                    k.DlType = PacketParser.EthTypeIpv6;
                    k.Ipv6Src = new UInt128(0x2001_0db8_0000_0000UL, (ulong)rnd.NextInt64());
                    k.Ipv6Dst = new UInt128(0x2001_0db8_0000_0001UL, (ulong)rnd.NextInt64());
                    k.NwTtl = 64;
                    if (kind == 7)
                    {
                        k.NwProto = PacketParser.ProtoIcmpv6;
                        k.NwTtl = 255;
                        k.TpSrc = PacketParser.NdNeighborSolicit;
                        k.NdTarget = k.Ipv6Dst;
                        k.ArpSha = k.DlSrc;
                    }
                    else
                    {
                        k.NwProto = kind == 3 ? PacketParser.ProtoTcp : PacketParser.ProtoUdp;
                        k.TpSrc = (ushort)rnd.Next(1024, 65536);
                        k.TpDst = 443;
                        k.TcpFlags = kind == 3 ? (ushort)0x010 : (ushort)0;
                    }

                    break;
                default:
                    k.DlType = PacketParser.EthTypeIpv4;
                    k.NwSrc = 0x0A00_0000u | (uint)rnd.Next(0xFFFFFF);
                    k.NwDst = 0xC0A8_0000u | (uint)rnd.Next(0xFFFF);
                    k.NwTtl = 64;
                    k.NwProto = kind == 6 ? PacketParser.ProtoIcmp : kind == 1 ? PacketParser.ProtoUdp : PacketParser.ProtoTcp;
                    k.TpSrc = kind == 6 ? (ushort)8 : (ushort)rnd.Next(1024, 65536);
                    k.TpDst = kind == 6 ? (ushort)0 : (ushort)80;
                    k.TcpFlags = k.NwProto == PacketParser.ProtoTcp ? (ushort)0x018 : (ushort)0;
                    break;
            }

            keys[i] = k;
        }

        return keys;
    }

    /// <summary>A typical megaflow mask: in_port, L2 type, IPv4/IPv6 destination prefixes, protocol, frag, tp_dst.</summary>
    public static FlowMask MegaflowMask()
    {
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.VlanTci, 0x1FFF);
        m.UnwildcardPrefix(FlowFields.NwDst, 24);
        m.UnwildcardPrefix(FlowFields.Ipv6Dst, 64);
        m.Unwildcard(FlowFields.NwProto);
        m.Unwildcard(FlowFields.NwFrag);
        m.Unwildcard(FlowFields.TpDst);
        return m;
    }
}

/// <summary>Packet to FlowKey extraction over a batch of mixed frames; one operation = one packet.</summary>
[Config(typeof(PerOperationConfig))]
[MemoryDiagnoser]
public class FlowExtractBenchmarks
{
    private byte[][] _frames = [];
    private FlowKey _key;

    /// <summary>Builds the frames.</summary>
    [GlobalSetup]
    public void Setup() => _frames = [.. FlowBenchData.Keys().Select(k => PacketBuilder.Build(k, 18))];

    /// <summary>Extracts every frame of the batch into one key.</summary>
    [Benchmark(OperationsPerInvoke = FlowBenchData.Batch)]
    public uint Extract()
    {
        uint acc = 0;
        var frames = _frames;
        for (var i = 0; i < frames.Length; i++)
        {
            PacketParser.Extract(frames[i], 1, ref _key);
            acc ^= _key.PortsWord;
        }

        return acc;
    }
}

/// <summary>Masked hashing and comparison of flow keys; one operation = one key.</summary>
[Config(typeof(PerOperationConfig))]
[MemoryDiagnoser]
public class FlowHashBenchmarks
{
    private FlowKey[] _keys = [];
    private FlowMask _mask;

    /// <summary>Builds the keys and the mask.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _keys = FlowBenchData.Keys();
        _mask = FlowBenchData.MegaflowMask();
    }

    /// <summary>Finished masked hash over all words.</summary>
    [Benchmark(OperationsPerInvoke = FlowBenchData.Batch)]
    public ulong MaskedHash()
    {
        ulong acc = 0;
        var keys = _keys;
        for (var i = 0; i < keys.Length; i++)
        {
            acc ^= keys[i].MaskedHash(_mask);
        }

        return acc;
    }

    /// <summary>Masked hash computed stage by stage, as the classifier's staged lookup does.</summary>
    [Benchmark(OperationsPerInvoke = FlowBenchData.Batch)]
    public ulong StagedMaskedHash()
    {
        ulong acc = 0;
        var keys = _keys;
        var starts = FlowLayout.StageStarts;
        var m = _mask.ReadOnlyWords;
        for (var i = 0; i < keys.Length; i++)
        {
            var w = keys[i].ReadOnlyWords;
            ulong h = 0;
            for (var s = 0; s < FlowLayout.StageCount; s++)
            {
                h = FlowWordOps.MaskedHash(w, m, starts[s], starts[s + 1], h);
                acc ^= h;
            }
        }

        return acc;
    }

    /// <summary>Masked comparison of each key with its neighbour.</summary>
    [Benchmark(OperationsPerInvoke = FlowBenchData.Batch)]
    public int MaskedEquals()
    {
        var n = 0;
        var keys = _keys;
        for (var i = 1; i < keys.Length; i++)
        {
            n += keys[i].MaskedEquals(keys[i - 1], _mask) ? 1 : 0;
        }

        return n + (keys[0].MaskedEquals(keys[^1], _mask) ? 1 : 0);
    }
}
