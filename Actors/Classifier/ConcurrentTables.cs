using System.Runtime.CompilerServices;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// A counting set of 64-bit hashes (OVS's ccmap, used for the per-stage indices): one writer,
/// lock-free readers. Open addressing with linear probing over two parallel arrays; a slot's count
/// is 0 when never used, −1 for a tombstone and the number of references otherwise. Readers read
/// the count with acquire semantics before the key, the writer writes the key before publishing a
/// positive count. Tombstones are never reused; growing or purging builds a new table and
/// publishes it with one reference write, so a reader always probes a consistent table.
/// </summary>
internal sealed class CountingHashSet
{
    private sealed class Table(int capacity)
    {
        public readonly ulong[] Keys = new ulong[capacity];
        public readonly int[] Counts = new int[capacity];
        public readonly int Mask = capacity - 1;
        public int Used; // live slots + tombstones
    }

    private Table _table = new(8);

    /// <summary>Number of distinct hashes present.</summary>
    public int Count { get; private set; }

    /// <summary>True when <paramref name="hash"/> is present (lock-free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(ulong hash)
    {
        var t = Volatile.Read(ref _table);
        var keys = t.Keys;
        var counts = t.Counts;
        for (var i = (int)hash & t.Mask; ; i = (i + 1) & t.Mask)
        {
            var c = Volatile.Read(ref counts[i]);
            if (c == 0)
            {
                return false;
            }

            if (c > 0 && keys[i] == hash)
            {
                return true;
            }
        }
    }

    /// <summary>Adds one reference to <paramref name="hash"/> (writer only).</summary>
    public void Add(ulong hash)
    {
        var t = _table;
        var i = (int)hash & t.Mask;
        for (; ; i = (i + 1) & t.Mask)
        {
            var c = t.Counts[i];
            if (c == 0)
            {
                break;
            }

            if (c > 0 && t.Keys[i] == hash)
            {
                t.Counts[i] = c + 1;
                return;
            }
        }

        if ((t.Used + 1) * 2 > t.Keys.Length)
        {
            t = Rebuild(Count + 1);
            for (i = (int)hash & t.Mask; t.Counts[i] != 0; i = (i + 1) & t.Mask)
            {
            }
        }

        t.Keys[i] = hash;
        Volatile.Write(ref t.Counts[i], 1);
        t.Used++;
        Count++;
    }

    /// <summary>Drops one reference to <paramref name="hash"/> (writer only).</summary>
    public void Remove(ulong hash)
    {
        var t = _table;
        for (var i = (int)hash & t.Mask; ; i = (i + 1) & t.Mask)
        {
            var c = t.Counts[i];
            if (c == 0)
            {
                throw new InvalidOperationException("hash not present in the stage index");
            }

            if (c > 0 && t.Keys[i] == hash)
            {
                Volatile.Write(ref t.Counts[i], c == 1 ? -1 : c - 1);
                if (c == 1)
                {
                    Count--;
                }

                return;
            }
        }
    }

    private Table Rebuild(int live)
    {
        var capacity = 8;
        while (capacity < live * 3)
        {
            capacity *= 2;
        }

        var old = _table;
        var t = new Table(capacity);
        for (var j = 0; j < old.Keys.Length; j++)
        {
            var c = old.Counts[j];
            if (c > 0)
            {
                var i = (int)old.Keys[j] & t.Mask;
                while (t.Counts[i] != 0)
                {
                    i = (i + 1) & t.Mask;
                }

                t.Keys[i] = old.Keys[j];
                t.Counts[i] = c;
                t.Used++;
            }
        }

        Volatile.Write(ref _table, t);
        return t;
    }
}

/// <summary>An entry of a <see cref="EntryTable{TEntry}"/>: immutable hash, found by probing.</summary>
internal abstract class HashedEntry(ulong hash)
{
    /// <summary>The full hash the entry is filed under.</summary>
    public readonly ulong Hash = hash;
}

/// <summary>
/// A hash table of entries keyed by a 64-bit hash, with one writer and lock-free readers (OVS's
/// cmap, simplified): open addressing with linear probing over an array of references. Inserting
/// stores a fully built entry with one reference write; removing replaces it with a shared
/// tombstone; growing/purging publishes a new array. Several entries may share a hash — callers
/// compare their own keys.
/// </summary>
internal sealed class EntryTable<TEntry>
    where TEntry : HashedEntry
{
    private readonly TEntry _tombstone;
    private TEntry?[] _slots = new TEntry?[8];
    private int _used;

    public EntryTable(TEntry tombstone) => _tombstone = tombstone;

    /// <summary>Number of live entries.</summary>
    public int Count { get; private set; }

    /// <summary>The tombstone sentinel (readers skip it).</summary>
    public TEntry Tombstone => _tombstone;

    /// <summary>The current slot array; readers probe it from <c>hash &amp; (Length − 1)</c> until a null.</summary>
    public TEntry?[] Slots => Volatile.Read(ref _slots);

    /// <summary>Adds an entry (writer only).</summary>
    public void Add(TEntry entry)
    {
        if ((_used + 1) * 2 > _slots.Length)
        {
            Rebuild(Count + 1);
        }

        var s = _slots;
        var mask = s.Length - 1;
        var i = (int)entry.Hash & mask;
        while (s[i] is not null)
        {
            i = (i + 1) & mask;
        }

        Volatile.Write(ref s[i], entry);
        _used++;
        Count++;
    }

    /// <summary>Removes an entry by reference (writer only); false when absent.</summary>
    public bool Remove(TEntry entry)
    {
        var s = _slots;
        var mask = s.Length - 1;
        for (var i = (int)entry.Hash & mask; s[i] is not null; i = (i + 1) & mask)
        {
            if (ReferenceEquals(s[i], entry))
            {
                Volatile.Write(ref s[i], _tombstone);
                Count--;
                if (Count * 8 < s.Length && s.Length > 8)
                {
                    Rebuild(Count);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>Live entries of the current array (a consistent snapshot of one array).</summary>
    public IEnumerable<TEntry> Entries()
    {
        foreach (var e in Slots)
        {
            if (e is not null && !ReferenceEquals(e, _tombstone))
            {
                yield return e;
            }
        }
    }

    private void Rebuild(int live)
    {
        var capacity = 8;
        while (capacity < live * 3)
        {
            capacity *= 2;
        }

        var old = _slots;
        var s = new TEntry?[capacity];
        var mask = capacity - 1;
        foreach (var e in old)
        {
            if (e is not null && !ReferenceEquals(e, _tombstone))
            {
                var i = (int)e.Hash & mask;
                while (s[i] is not null)
                {
                    i = (i + 1) & mask;
                }

                s[i] = e;
            }
        }

        _used = Count;
        Volatile.Write(ref _slots, s);
    }
}
