using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>Mailbox</c> (Dispatch/Mailbox.cs) rebuilt from actors-brief §1.3: a system queue and a
/// user queue, a status int changed with Interlocked (Closed / Scheduled / Suspended bits), and a run
/// loop that is itself the thread-pool work item (no allocation per schedule). The loop drains all
/// system messages first, then up to <c>throughput</c> user messages, re-checking the system queue after
/// each one. Only one thread runs the loop at a time (CAS on the Scheduled bit), so an actor processes
/// one message at a time and messages from one sender stay in FIFO order.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int ClosedBit = 1;
    private const int ScheduledBit = 2;
    private const int SuspendedBit = 4;

    private static readonly Meter RuntimeMeter = new("VSwarm.Runtime");
    private static readonly Counter<long> DroppedCounter =
        RuntimeMeter.CreateCounter<long>("vswarm.mailbox.dropped", "{message}", "Messages dropped by full bounded mailboxes");

    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly int _capacity;
    private readonly int _throughput;
    private int _status;
    private int _count;
    private long _dropped;

    // Messages put back at the head (unstash); touched only by the thread running the loop.
    private Queue<Envelope>? _front;

    public Mailbox(MailboxOptions options, int throughput)
    {
        _capacity = options.Capacity;
        _throughput = throughput;
    }

    public ActorCell Cell { get; set; } = null!;

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public int ApproximateCount => _queue.Count + (_front?.Count ?? 0);

    public bool IsClosed => (Volatile.Read(ref _status) & ClosedBit) != 0;

    public enum EnqueueResult
    {
        Ok,
        Closed,
        Full,
    }

    public EnqueueResult Enqueue(in Envelope envelope)
    {
        if ((Volatile.Read(ref _status) & ClosedBit) != 0)
        {
            return EnqueueResult.Closed;
        }

        if (_capacity > 0)
        {
            if (Interlocked.Increment(ref _count) > _capacity)
            {
                Interlocked.Decrement(ref _count);
                Interlocked.Increment(ref _dropped);
                DroppedCounter.Add(1, new KeyValuePair<string, object?>("actor.system", Cell.System.Name));
                return EnqueueResult.Full;
            }
        }

        _queue.Enqueue(envelope);
        TrySchedule(true, false);
        return EnqueueResult.Ok;
    }

    public void SystemEnqueue(SystemMessage message)
    {
        _system.Enqueue(message);
        TrySchedule(false, true);
    }

    /// <summary>Puts envelopes back at the head of the mailbox, in order (used by Unstash). Loop thread only.</summary>
    public void Prepend(IReadOnlyCollection<Envelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }

        var front = new Queue<Envelope>(envelopes.Count + (_front?.Count ?? 0));
        foreach (var e in envelopes)
        {
            front.Enqueue(e);
        }

        if (_front is not null)
        {
            while (_front.TryDequeue(out var e))
            {
                front.Enqueue(e);
            }
        }

        _front = front;
    }

    public void SetSuspended(bool suspended)
    {
        if (suspended)
        {
            Interlocked.Or(ref _status, SuspendedBit);
        }
        else
        {
            Interlocked.And(ref _status, ~SuspendedBit);
        }
    }

    /// <summary>Marks the mailbox closed: later user messages go to dead letters.</summary>
    public void Close() => Interlocked.Or(ref _status, ClosedBit);

    public bool TryDequeue(out Envelope envelope)
    {
        if (_front is { Count: > 0 } f)
        {
            envelope = f.Dequeue();
            return true;
        }

        if (_queue.TryDequeue(out envelope))
        {
            if (_capacity > 0)
            {
                Interlocked.Decrement(ref _count);
            }

            return true;
        }

        return false;
    }

    public bool TryDequeueSystem(out SystemMessage message) => _system.TryDequeue(out message!);

    private bool HasUserMessages => !_queue.IsEmpty || _front is { Count: > 0 };

    public void TrySchedule(bool hasUserHint, bool hasSystemHint)
    {
        var s = Volatile.Read(ref _status);
        while (true)
        {
            if ((s & (ClosedBit | ScheduledBit)) != 0)
            {
                return;
            }

            var worth = hasSystemHint || !_system.IsEmpty ||
                        ((s & SuspendedBit) == 0 && (hasUserHint || HasUserMessages));
            if (!worth)
            {
                return;
            }

            var prev = Interlocked.CompareExchange(ref _status, s | ScheduledBit, s);
            if (prev == s)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }

            s = prev;
        }
    }

    /// <summary>The run loop (Akka's <c>Mailbox.Run</c>).</summary>
    public void Execute()
    {
        var cell = Cell;
        var previous = ActorCell.SetCurrent(cell);
        try
        {
            if ((Volatile.Read(ref _status) & ClosedBit) == 0)
            {
                cell.ProcessAllSystemMessages();
                var left = _throughput;
                while ((Volatile.Read(ref _status) & (ClosedBit | SuspendedBit)) == 0 && TryDequeue(out var envelope))
                {
                    cell.Invoke(envelope);
                    if (!_system.IsEmpty)
                    {
                        cell.ProcessAllSystemMessages();
                    }

                    if (--left == 0)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            ActorCell.SetCurrent(previous);
            Interlocked.And(ref _status, ~ScheduledBit);
            TrySchedule(false, false);
        }
    }
}
