using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.ClassBench;

/// <summary>What one tuple-space-explosion replay produced.</summary>
/// <param name="Packets">Packets replayed.</param>
/// <param name="Megaflows">Megaflows installed (= upcalls).</param>
/// <param name="Masks">Distinct megaflow masks.</param>
/// <param name="MasksProbedPerHit">Average masks probed per cache hit, in creation order.</param>
/// <param name="Allowed">Packets the allow rule matched.</param>
public sealed record TseResult(int Packets, int Megaflows, int Masks, double MasksProbedPerHit, int Allowed);

/// <summary>
/// The tuple-space-explosion workload of classifier-anchors §5.3 (after the CoNEXT'19 attack): a
/// table with one allow rule <c>tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=12345,tp_dst=80</c> and
/// a default drop, fed (a) uniformly random TCP packets or (b) crafted packets that equal the allow
/// rule except for one flipped bit of one field, with the bits below it random. Sound minimal
/// un-wildcarding gives each crafted packet a megaflow whose mask ends at its flipped bit, so the
/// crafted packets create about one mask per field bit (OVS 3.1: 97 megaflows, 96 masks for 289
/// packets; 13 and 13 for 5,000 random ones).
/// </summary>
public static class TupleSpaceExplosion
{
    /// <summary>The allow rule's header values.</summary>
    public const uint Src = 0x0A00_0001;

    /// <inheritdoc cref="Src"/>
    public const uint Dst = 0x0A00_0002;

    /// <inheritdoc cref="Src"/>
    public const ushort SrcPort = 12345;

    /// <inheritdoc cref="Src"/>
    public const ushort DstPort = 80;

    private static readonly FlowField[] Fields = [FlowFields.NwSrc, FlowFields.NwDst, FlowFields.TpSrc, FlowFields.TpDst];

    /// <summary>The table: the allow rule (priority 2, payload 0) and the default drop (priority 1, payload 1).</summary>
    public static List<ClassifierRule<int>> Rules()
    {
        var key = Base();
        var mask = default(FlowMask);
        mask.Unwildcard(FlowFields.DlType);
        mask.Unwildcard(FlowFields.NwProto);
        foreach (var f in Fields)
        {
            mask.Unwildcard(f);
        }

        return [new ClassifierRule<int>(new Match(key, mask), 2, 0), new ClassifierRule<int>(new Match(default, default), 1, 1)];
    }

    /// <summary>Uniformly random TCP packets (addresses and ports).</summary>
    public static FlowKey[] RandomPackets(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var packets = new FlowKey[count];
        for (var i = 0; i < count; i++)
        {
            var k = Base();
            k.NwSrc = (uint)rng.NextInt64(1L << 32);
            k.NwDst = (uint)rng.NextInt64(1L << 32);
            k.TpSrc = (ushort)rng.Next(1 << 16);
            k.TpDst = (ushort)rng.Next(1 << 16);
            packets[i] = k;
        }

        return packets;
    }

    /// <summary>
    /// The allowed packet, then for every bit of nw_src, nw_dst, tp_src and tp_dst (top bit first)
    /// <paramref name="perBit"/> packets with that bit flipped and the bits below it random
    /// (3 per bit: the 289 packets of the anchor).
    /// </summary>
    public static FlowKey[] CraftedPackets(int perBit, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perBit, 1);
        var rng = new Random(seed);
        var packets = new List<FlowKey> { Base() };
        foreach (var f in Fields)
        {
            for (var b = f.Bits - 1; b >= 0; b--)
            {
                for (var n = 0; n < perBit; n++)
                {
                    var k = Base();
                    var words = k.Words;
                    var below = (UInt128.One << b) - UInt128.One;
                    var random = new UInt128((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) & below;
                    var v = f.Read(words) ^ (UInt128.One << b);
                    f.Write(words, (v & ~below) | random);
                    packets.Add(k);
                }
            }
        }

        return [.. packets];
    }

    /// <summary>
    /// Replays <paramref name="packets"/> in order through <paramref name="classifier"/> (which holds
    /// <see cref="Rules"/>) and a megaflow cache: a covered packet is a hit, any other one an upcall
    /// whose lookup (with OVS's initial and finishing wildcards) installs a megaflow.
    /// </summary>
    public static TseResult Replay(IClassifier<int> classifier, IReadOnlyList<FlowKey> packets)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(packets);
        var cache = new MegaflowCacheModel();
        var allowed = 0;
        foreach (var p in packets)
        {
            if (classifier.Lookup(p, ClassifierVersion.Min)?.Payload == 0)
            {
                allowed++;
            }

            if (cache.Hit(p))
            {
                continue;
            }

            var wc = MegaflowWildcards.Initial(p);
            classifier.Lookup(p, ClassifierVersion.Min, ref wc);
            MegaflowWildcards.Finish(ref wc, p);
            cache.Install(p, wc);
        }

        return new TseResult(packets.Count, cache.Megaflows, cache.Masks, cache.MasksProbedPerHit, allowed);
    }

    private static FlowKey Base()
    {
        var k = default(FlowKey);
        k.InPort = 1;
        k.DlSrc = 0x5054_0000_0005;
        k.DlDst = 0x5054_0000_0007;
        k.DlType = EtherType.Ipv4;
        k.NwSrc = Src;
        k.NwDst = Dst;
        k.NwProto = 6;
        k.NwTtl = 64;
        k.TpSrc = SrcPort;
        k.TpDst = DstPort;
        return k;
    }
}
