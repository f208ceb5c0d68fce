using VSwarm.Messages.Datapath;

namespace VSwarm.Actors.Upcall;

/// <summary>What <see cref="UkeyMap.TryInsert"/> did.</summary>
public enum UkeyInsertResult
{
    /// <summary>Inserted (state VISIBLE): the caller installs the flow.</summary>
    Inserted,

    /// <summary>
    /// An EVICTED ukey with the same UFID and key was replaced in place (it inherits its dump_seq):
    /// the caller installs the flow ("ukey replace", ovs-brief §6.7).
    /// </summary>
    Replaced,

    /// <summary>A live ukey with the same UFID and key exists: a duplicate upcall, execute only.</summary>
    Duplicate,

    /// <summary>A ukey with the same UFID but another key exists (hash collision): execute only.</summary>
    Conflict,
}

/// <summary>
/// The ukey maps of one udpif (OVS's umaps[512]): ukeys by UFID, sharded by the UFID's low 32 bits,
/// one lock per shard. Safe for concurrent handlers and revalidators. Revalidator k of N sweeps
/// shards k, k+N, k+2N, …
/// </summary>
public sealed class UkeyMap
{
    /// <summary>OVS's N_UMAPS.</summary>
    public const int DefaultShards = 512;

    private readonly Dictionary<Ufid, Ukey>[] _shards;
    private readonly Lock[] _locks;
    private int _count;

    /// <summary>Creates empty maps.</summary>
    public UkeyMap(int shards = DefaultShards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        _shards = new Dictionary<Ufid, Ukey>[shards];
        _locks = new Lock[shards];
        for (var i = 0; i < shards; i++)
        {
            _shards[i] = [];
            _locks[i] = new Lock();
        }
    }

    /// <summary>Number of shards.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Ukeys in all shards.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Invalid (forward-skip) state transitions seen by map operations.</summary>
    public long InvalidTransitions => Interlocked.Read(ref _invalid);

    private long _invalid;

    /// <summary>The shard a UFID lives in.</summary>
    public int ShardOf(Ufid ufid) => (int)((uint)ufid.Value % (uint)_shards.Length);

    /// <summary>The ukey with this UFID, or null.</summary>
    public Ukey? Find(Ufid ufid)
    {
        var s = ShardOf(ufid);
        lock (_locks[s])
        {
            return _shards[s].GetValueOrDefault(ufid);
        }
    }

    /// <summary>
    /// Installs a CREATED ukey (→ VISIBLE), replacing an EVICTED one with the same key, or reports a
    /// duplicate or a conflict (the new ukey stays CREATED and is not in the map).
    /// </summary>
    public UkeyInsertResult TryInsert(Ukey ukey)
    {
        ArgumentNullException.ThrowIfNull(ukey);
        var s = ShardOf(ukey.Ufid);
        lock (_locks[s])
        {
            var map = _shards[s];
            if (map.TryGetValue(ukey.Ufid, out var old))
            {
                if (old.Key != ukey.Key)
                {
                    return UkeyInsertResult.Conflict;
                }

                if (old.State != UkeyState.Evicted)
                {
                    return UkeyInsertResult.Duplicate;
                }

                ukey.DumpSeq = old.DumpSeq;
                Track(old.TransitionTo(UkeyState.Deleted));
                map[ukey.Ufid] = ukey;
                Track(ukey.TransitionTo(UkeyState.Visible));
                return UkeyInsertResult.Replaced;
            }

            map.Add(ukey.Ufid, ukey);
            Interlocked.Increment(ref _count);
            Track(ukey.TransitionTo(UkeyState.Visible));
            return UkeyInsertResult.Inserted;
        }
    }

    /// <summary>Removes this ukey (if it is the one mapped for its UFID) and marks it DELETED.</summary>
    public bool Remove(Ukey ukey)
    {
        ArgumentNullException.ThrowIfNull(ukey);
        var s = ShardOf(ukey.Ufid);
        lock (_locks[s])
        {
            if (!_shards[s].TryGetValue(ukey.Ufid, out var mapped) || !ReferenceEquals(mapped, ukey))
            {
                return false;
            }

            _shards[s].Remove(ukey.Ufid);
            Interlocked.Decrement(ref _count);
        }

        Track(ukey.TransitionTo(UkeyState.Deleted));
        return true;
    }

    /// <summary>A snapshot of one shard's ukeys.</summary>
    public Ukey[] Snapshot(int shard)
    {
        lock (_locks[shard])
        {
            return [.. _shards[shard].Values];
        }
    }

    /// <summary>A snapshot of every ukey.</summary>
    public IEnumerable<Ukey> All()
    {
        for (var i = 0; i < _shards.Length; i++)
        {
            foreach (var u in Snapshot(i))
            {
                yield return u;
            }
        }
    }

    private void Track(UkeyTransition t)
    {
        if (t == UkeyTransition.Invalid)
        {
            Interlocked.Increment(ref _invalid);
        }
    }
}
