using VSwarm.Messages.Dpif;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// The bounded queue between a shard and its upcall handlers (the netlink socket buffer of the
/// kernel datapath). An upcall that does not fit is dropped and counted in <see cref="Lost"/>
/// (n_lost). Not thread-safe: the shard's owner enqueues and drains it.
/// </summary>
public sealed class UpcallQueue
{
    private readonly Queue<DpifUpcall> _queue = new();

    /// <summary>Creates a queue holding at most <paramref name="capacity"/> upcalls.</summary>
    public UpcallQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Most upcalls held at once.</summary>
    public int Capacity { get; }

    /// <summary>Upcalls waiting.</summary>
    public int Count => _queue.Count;

    /// <summary>Upcalls dropped because the queue was full.</summary>
    public long Lost { get; private set; }

    /// <summary>Told each upcall the queue drops (e.g. to attribute lost sFlow samples to their sampler).</summary>
    public Action<DpifUpcall>? Dropped { get; set; }

    /// <summary>Upcalls accepted so far.</summary>
    public long Enqueued { get; private set; }

    /// <summary>Queues an upcall, or counts it lost when full.</summary>
    public bool TryEnqueue(DpifUpcall upcall)
    {
        ArgumentNullException.ThrowIfNull(upcall);
        if (_queue.Count >= Capacity)
        {
            Lost++;
            Dropped?.Invoke(upcall);
            return false;
        }

        _queue.Enqueue(upcall);
        Enqueued++;
        return true;
    }

    /// <summary>Moves up to <paramref name="max"/> upcalls into <paramref name="into"/>; returns how many.</summary>
    public int Drain(ICollection<DpifUpcall> into, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(into);
        var n = 0;
        while (n < max && _queue.TryDequeue(out var u))
        {
            into.Add(u);
            n++;
        }

        return n;
    }
}
