namespace VSwarm.Actors.Tables;

/// <summary>
/// The MAC learning table of a bridge's NORMAL action (OVS's mac_learning): (VLAN, MAC) → port,
/// at most <see cref="Capacity"/> entries (OVS default 8192), each forgotten <see cref="AgingSeconds"/>
/// (OVS default 300 s) after it was last learned; when full, the least recently learned entry is
/// evicted (OVS evicts the oldest entry of its LRU list). Thread-safe: handlers translate
/// concurrently and all of them learn. Every change of a port binding (a new MAC, a MAC that moved,
/// an eviction) bumps <see cref="Generation"/> and raises <see cref="Changed"/>, so the bridge can
/// make revalidators re-translate (OVS's REV_MAC_LEARNING).
/// </summary>
public sealed class MacLearningTable
{
    /// <summary>OVS's default capacity (other_config:mac-table-size).</summary>
    public const int DefaultCapacity = 8192;

    /// <summary>OVS's default aging time in seconds (other_config:mac-aging-time).</summary>
    public const int DefaultAgingSeconds = 300;

    private readonly Dictionary<(ushort Vlan, ulong Mac), LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new(); // first = least recently learned
    private readonly Func<long> _nowMs;
    private readonly Lock _lock = new();
    private long _generation;

    /// <summary>Creates a table.</summary>
    /// <param name="capacity">Maximum entries (≥ 1).</param>
    /// <param name="agingSeconds">Idle time after which an entry is forgotten (≥ 1).</param>
    /// <param name="nowMs">Clock in milliseconds (injectable for tests); default: Environment.TickCount64.</param>
    public MacLearningTable(int capacity = DefaultCapacity, int agingSeconds = DefaultAgingSeconds, Func<long>? nowMs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(agingSeconds, 1);
        Capacity = capacity;
        AgingSeconds = agingSeconds;
        _nowMs = nowMs ?? (() => Environment.TickCount64);
    }

    /// <summary>Maximum number of entries.</summary>
    public int Capacity { get; }

    /// <summary>Aging time in seconds.</summary>
    public int AgingSeconds { get; }

    /// <summary>Bumped on every change of a binding (learn of a new or moved MAC, eviction, expiry).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Raised (outside the table's lock) after a binding changed.</summary>
    public event EventHandler? Changed;

    /// <summary>Entries currently held (expired ones included until the next access removes them).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>
    /// Learns that <paramref name="mac"/> on VLAN <paramref name="vlan"/> is behind
    /// <paramref name="port"/>. Returns true when a binding changed (new entry or moved MAC).
    /// Multicast source addresses are never learned.
    /// </summary>
    public bool Learn(ulong mac, ushort vlan, uint port)
    {
        if (IsMulticast(mac))
        {
            return false;
        }

        bool changed;
        lock (_lock)
        {
            var now = _nowMs();
            ExpireLocked(now);
            if (_map.TryGetValue((vlan, mac), out var node))
            {
                changed = node.Value.Port != port;
                node.Value.Port = port;
                node.Value.LearnedMs = now;
                _lru.Remove(node);
                _lru.AddLast(node);
            }
            else
            {
                if (_map.Count >= Capacity && _lru.First is { } oldest)
                {
                    _map.Remove(oldest.Value.Key);
                    _lru.RemoveFirst();
                }

                var e = new Entry((vlan, mac), port, now);
                _map[(vlan, mac)] = _lru.AddLast(e);
                changed = true;
            }

            if (changed)
            {
                Interlocked.Increment(ref _generation);
            }
        }

        if (changed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return changed;
    }

    /// <summary>The port a MAC was learned on in a VLAN, or null when unknown or aged out.</summary>
    public uint? Lookup(ulong mac, ushort vlan)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue((vlan, mac), out var node))
            {
                return null;
            }

            if (Expired(node.Value, _nowMs()))
            {
                _map.Remove(node.Value.Key);
                _lru.Remove(node);
                Interlocked.Increment(ref _generation);
                return null;
            }

            return node.Value.Port;
        }
    }

    /// <summary>Removes entries older than the aging time; returns how many went.</summary>
    public int Expire()
    {
        int n;
        lock (_lock)
        {
            n = ExpireLocked(_nowMs());
        }

        if (n > 0)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return n;
    }

    /// <summary>Forgets everything learned on a port (the port was removed); returns how many went.</summary>
    public int FlushPort(uint port)
    {
        int n = 0;
        lock (_lock)
        {
            for (var node = _lru.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Port == port)
                {
                    _map.Remove(node.Value.Key);
                    _lru.Remove(node);
                    n++;
                }

                node = next;
            }

            if (n > 0)
            {
                Interlocked.Increment(ref _generation);
            }
        }

        if (n > 0)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return n;
    }

    private int ExpireLocked(long now)
    {
        var n = 0;
        while (_lru.First is { } oldest && Expired(oldest.Value, now))
        {
            _map.Remove(oldest.Value.Key);
            _lru.RemoveFirst();
            n++;
        }

        if (n > 0)
        {
            Interlocked.Increment(ref _generation);
        }

        return n;
    }

    private bool Expired(Entry e, long now) => now - e.LearnedMs >= AgingSeconds * 1000L;

    private static bool IsMulticast(ulong mac) => (mac & 0x0100_0000_0000UL) != 0;

    private sealed class Entry((ushort Vlan, ulong Mac) key, uint port, long learnedMs)
    {
        public (ushort Vlan, ulong Mac) Key { get; } = key;

        public uint Port { get; set; } = port;

        public long LearnedMs { get; set; } = learnedMs;
    }
}
