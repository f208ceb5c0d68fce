using System.Security.Cryptography;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Upcall;

/// <summary>
/// UFIDs as OVS's handlers compute them (ovs-brief §1.2 step 3): a 128-bit hash of the datapath key
/// with a per-process random seed, with the UUIDv4 version and variant bits forced. Stable within
/// a process (same key → same UFID); use an explicit seed for reproducible runs.
/// </summary>
public sealed class UfidGenerator
{
    private static readonly ulong[] AllOnes = Enumerable.Repeat(ulong.MaxValue, FlowLayout.Words).ToArray();
    private readonly ulong _seedHi;
    private readonly ulong _seedLo;

    /// <summary>Creates a generator with a fixed seed.</summary>
    public UfidGenerator(ulong seed)
    {
        _seedHi = FlowWordOps.Finish(seed ^ 0x243F6A8885A308D3UL);
        _seedLo = FlowWordOps.Finish(seed ^ 0x13198A2E03707344UL);
    }

    /// <summary>The process-wide generator (seeded randomly at startup).</summary>
    public static UfidGenerator Default { get; } = new(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));

    /// <summary>The UFID of a datapath key.</summary>
    public Ufid Compute(in FlowKey key)
    {
        var w = key.ReadOnlyWords;
        var hi = FlowWordOps.Finish(FlowWordOps.MaskedHash(w, AllOnes, 0, FlowLayout.Words, _seedHi));
        var lo = FlowWordOps.Finish(FlowWordOps.MaskedHash(w, AllOnes, 0, FlowLayout.Words, _seedLo) ^ hi);
        hi = (hi & ~0xF000UL) | 0x4000UL;                 // version 4 (bits 76..79 of the UUID)
        lo = (lo & 0x3FFF_FFFF_FFFF_FFFFUL) | (1UL << 63); // variant 10
        return new Ufid(new UInt128(hi, lo));
    }
}
