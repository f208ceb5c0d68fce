using System.Numerics;
using System.Runtime.CompilerServices;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// dpif-netdev's exact match cache: full packet keys → megaflows (ovs-brief §1.3). 8192 entries
/// by default; a key may live in one of two slots taken from two bit ranges of its hash. Entries
/// are inserted with probability 1/<see cref="InsertInverseProbability"/> (OVS default 100; 1 =
/// always; 0 disables the cache). An entry remembers its flow and the flow's
/// <see cref="Megaflow.Generation"/>, so it stops answering as soon as the flow is modified or
/// deleted. Not thread-safe (one per shard).
/// </summary>
public sealed class Emc
{
    /// <summary>OVS's EMC size (2^13).</summary>
    public const int DefaultEntries = 8192;

    /// <summary>OVS's default emc-insert-inv-prob.</summary>
    public const uint DefaultInsertInverseProbability = 100;

    private static readonly ulong[] AllOnes = Enumerable.Repeat(ulong.MaxValue, FlowLayout.Words).ToArray();

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly int _shift;
    private readonly Func<uint> _random;
    private uint _insertMin;
    private uint _inverse;

    /// <summary>Creates an EMC.</summary>
    /// <param name="entries">Number of entries, a power of two (default 8192).</param>
    /// <param name="insertInverseProbability">N of "insert with probability 1/N"; 0 disables.</param>
    /// <param name="random">Uniform 32-bit random numbers (injected for determinism).</param>
    public Emc(int entries = DefaultEntries, uint insertInverseProbability = DefaultInsertInverseProbability, Func<uint>? random = null)
    {
        if (entries < 2 || !BitOperations.IsPow2(entries))
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "must be a power of two ≥ 2");
        }

        _entries = new Entry[entries];
        _mask = entries - 1;
        _shift = BitOperations.Log2((uint)entries);
        _random = random ?? new XorShiftRandom(0x5eed).NextUInt32;
        InsertInverseProbability = insertInverseProbability;
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _entries.Length;

    /// <summary>N of "insert with probability 1/N"; 0 disables the cache (lookups miss, nothing is inserted).</summary>
    public uint InsertInverseProbability
    {
        get => _inverse;
        set
        {
            _inverse = value;
            _insertMin = value == 0 ? 0 : uint.MaxValue / value;
        }
    }

    /// <summary>True when the cache is in use (insert probability not 0).</summary>
    public bool Enabled => _inverse != 0;

    /// <summary>The hash the EMC indexes by: all words of the key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashOf(in FlowKey key) =>
        FlowWordOps.Finish(FlowWordOps.MaskedHash(key.ReadOnlyWords, AllOnes, 0, FlowLayout.Words, 0xE3C));

    /// <summary>The live flow cached for exactly this key, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Megaflow? Lookup(in FlowKey key, ulong hash)
    {
        if (_inverse == 0)
        {
            return null;
        }

        ref var a = ref _entries[(int)hash & _mask];
        if (a.Hash == hash && a.Flow is { } fa && a.Generation == fa.Generation && fa.IsInstalled && a.Key.Equals(key))
        {
            return fa;
        }

        ref var b = ref _entries[(int)(hash >> _shift) & _mask];
        if (b.Hash == hash && b.Flow is { } fb && b.Generation == fb.Generation && fb.IsInstalled && b.Key.Equals(key))
        {
            return fb;
        }

        return null;
    }

    /// <summary>Inserts with the configured probability; returns true when it inserted.</summary>
    public bool MaybeInsert(in FlowKey key, ulong hash, Megaflow flow)
    {
        if (_inverse == 0 || (_inverse != 1 && _random() > _insertMin))
        {
            return false;
        }

        Insert(key, hash, flow);
        return true;
    }

    /// <summary>
    /// Inserts unconditionally: into the slot already holding this key, else a slot whose entry
    /// is dead, else the candidate with the smaller stored hash.
    /// </summary>
    public void Insert(in FlowKey key, ulong hash, Megaflow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var ia = (int)hash & _mask;
        var ib = (int)(hash >> _shift) & _mask;
        ref var a = ref _entries[ia];
        ref var b = ref _entries[ib];
        ref var target = ref a;
        if (a.Hash == hash && a.Key.Equals(key))
        {
            target = ref a;
        }
        else if (b.Hash == hash && b.Key.Equals(key))
        {
            target = ref b;
        }
        else if (!a.Alive)
        {
            target = ref a;
        }
        else if (!b.Alive)
        {
            target = ref b;
        }
        else if (b.Hash < a.Hash)
        {
            target = ref b;
        }

        target.Key = key;
        target.Hash = hash;
        target.Flow = flow;
        target.Generation = flow.Generation;
    }

    /// <summary>Live entries (a flow still installed at the remembered generation).</summary>
    public int LiveCount => _entries.Count(e => e.Alive);

    /// <summary>Empties the cache.</summary>
    public void Clear() => Array.Clear(_entries);

    private struct Entry
    {
        public FlowKey Key;
        public ulong Hash;
        public Megaflow? Flow;
        public int Generation;

        public readonly bool Alive => Flow is { } f && f.IsInstalled && f.Generation == Generation;
    }
}

/// <summary>A small deterministic xorshift64* generator, the default random source of the datapath classes.</summary>
public sealed class XorShiftRandom
{
    private ulong _state;

    /// <summary>Seeds the generator (0 is replaced by a fixed non-zero seed).</summary>
    public XorShiftRandom(ulong seed) => _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    /// <summary>The next uniform 32-bit value.</summary>
    public uint NextUInt32()
    {
        var x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return (uint)((x * 0x2545F4914F6CDD1DUL) >> 32);
    }
}
