using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace VSwarm.Cluster.Transport.InMemory;

/// <summary>One end of an in-memory connection: reads its peer's wire, writes its own wire.</summary>
internal sealed class InMemoryConnection : ILinkConnection
{
    private readonly InMemoryNetwork _network;
    private readonly Wire _outbound;
    private readonly Wire _inbound;
    private readonly CountingPipeReader _input;
    private InMemoryConnection? _other;
    private int _aborted;

    private InMemoryConnection(InMemoryNetwork network, string local, string remote, Wire outbound, Wire inbound)
    {
        _network = network;
        LocalNode = local;
        RemoteNode = remote;
        _outbound = outbound;
        _inbound = inbound;
        _input = new CountingPipeReader(inbound.Pipe.Reader, inbound);
        Output = new FramingPipeWriter(outbound);
    }

    public string LocalNode { get; }

    public string RemoteNode { get; }

    public PipeReader Input => _input;

    public PipeWriter Output { get; }

    public string RemoteAddress => RemoteNode;

    /// <summary>Everything delivered to this end has been consumed (or the connection is gone).</summary>
    public bool IsQuiet => Volatile.Read(ref _aborted) != 0 || _inbound.IsQuiet;

    /// <summary>True while this end has not been aborted.</summary>
    public bool IsOpen => Volatile.Read(ref _aborted) == 0;

    /// <summary>The other end of the connection.</summary>
    public InMemoryConnection? Other => _other;

    public static (InMemoryConnection Client, InMemoryConnection Server) CreatePair(InMemoryNetwork network, string client, string server)
    {
        var up = new Wire(network, client, server);
        var down = new Wire(network, server, client);
        var c = new InMemoryConnection(network, client, server, up, down);
        var s = new InMemoryConnection(network, server, client, down, up);
        c._other = s;
        s._other = c;
        return (c, s);
    }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _outbound.Close(receiverSide: false);
            _inbound.Close(receiverSide: true);
            _network.Forget(this);
        }
    }

    public ValueTask DisposeAsync()
    {
        Abort();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// One direction: applies the fault rule per frame and writes surviving frames into the
    /// receiver's pipe, now or at a later scheduler time (FIFO kept).
    /// </summary>
    internal sealed class Wire(InMemoryNetwork network, string from, string to)
    {
        private readonly Queue<(TimeSpan At, byte[] Frame)> _held = new();
        private TimeSpan _lastAt;
        private long _delivered;
        private long _consumed;
        private bool _closed;
        private bool _completed;

        public Pipe Pipe { get; } = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));

        public bool IsQuiet
        {
            get
            {
                lock (_held)
                {
                    return _closed || Interlocked.Read(ref _consumed) >= _delivered;
                }
            }
        }

        public void Consumed(long bytes) => Interlocked.Add(ref _consumed, bytes);

        public void Send(ReadOnlySpan<byte> frame)
        {
            var rule = network.RuleFor(from, to);
            if (rule.Blackhole || network.ShouldDrop(rule.DropProbability))
            {
                network.CountDrop();
                return;
            }

            var now = network.Scheduler.MonotonicClock;
            lock (_held)
            {
                if (_closed)
                {
                    return;
                }

                var at = now + rule.Delay;
                if (_held.Count == 0 && at <= now)
                {
                    WriteLocked(frame);
                    return;
                }

                at = at < _lastAt ? _lastAt : at;
                _lastAt = at;
                _held.Enqueue((at, frame.ToArray()));
                network.Scheduler.ScheduleOnce(at - now, ReleaseDue);
            }
        }

        /// <summary>
        /// Closes the direction. The sender's close reaches the receiver as end-of-stream unless the
        /// direction is blackholed (a FIN lost like any other segment); the receiver closing its own
        /// end always ends its reads.
        /// </summary>
        public void Close(bool receiverSide)
        {
            lock (_held)
            {
                if (_completed || (!receiverSide && network.RuleFor(from, to).Blackhole))
                {
                    _closed = true;
                    return;
                }

                _closed = true;
                _completed = true;
                _held.Clear();
                Pipe.Writer.Complete();
            }
        }

        private void ReleaseDue()
        {
            var now = network.Scheduler.MonotonicClock;
            lock (_held)
            {
                while (!_closed && _held.TryPeek(out var h) && h.At <= now)
                {
                    _held.Dequeue();
                    WriteLocked(h.Frame);
                }
            }
        }

        private void WriteLocked(ReadOnlySpan<byte> frame)
        {
            Pipe.Writer.Write(frame);
            _delivered += frame.Length;
            // No back pressure (pauseWriterThreshold 0): the flush completes at once and only wakes the reader.
            var flush = Pipe.Writer.FlushAsync();
            if (!flush.IsCompleted)
            {
                _ = flush.AsTask();
            }
        }
    }

    /// <summary>
    /// The sender's <see cref="PipeWriter"/>: collects bytes and, on flush, cuts them into netlink
    /// frames (by <c>nlmsg_len</c>) so faults act on whole frames; bytes that are not a plausible
    /// frame are passed on as they are (the receiver reports the protocol error).
    /// </summary>
    private sealed class FramingPipeWriter(Wire wire) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _pending = new(4096);
        private int _start;
        private bool _completed;

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
            _completed = true;
            wire.Close(receiverSide: false);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var data = _pending.WrittenSpan;
            while (data.Length - _start >= 4)
            {
                var len = BinaryPrimitives.ReadUInt32LittleEndian(data[_start..]);
                if (len < 16 || len > int.MaxValue)
                {
                    wire.Send(data[_start..]);
                    _start = data.Length;
                    break;
                }

                if (data.Length - _start < (int)len)
                {
                    break;
                }

                wire.Send(data.Slice(_start, (int)len));
                _start += (int)len;
            }

            if (_start == data.Length)
            {
                _pending.ResetWrittenCount();
                _start = 0;
            }

            return new ValueTask<FlushResult>(new FlushResult(false, _completed));
        }
    }

    /// <summary>Counts what the receiver consumed, so the network can tell when it is quiet.</summary>
    private sealed class CountingPipeReader(PipeReader inner, Wire wire) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            var n = _last.Slice(_last.Start, consumed).Length;
            inner.AdvanceTo(consumed, examined);
            wire.Consumed(n);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var r = await inner.ReadAsync(cancellationToken);
            _last = r.Buffer;
            return r;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (inner.TryRead(out result))
            {
                _last = result.Buffer;
                return true;
            }

            return false;
        }
    }
}
