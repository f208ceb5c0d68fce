using System.Buffers;
using VSwarm.Cluster.Remoting.Wire;
using VSwarm.Cluster.Transport;
using VSwarm.Messages.Netlink;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// One authenticated connection of a <see cref="PeerLink"/>: a reader loop that decodes frames
/// and delivers envelopes to local actors, and a writer loop that drains the link's send queue in
/// batches (many frames per flush). Ends when the connection closes, a protocol error occurs, or
/// the link fails it (heartbeats missed, replaced by a newer connection).
/// </summary>
internal sealed class LinkSession
{
    private readonly PeerLink _peer;
    private readonly NodeLinks _remoting;
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, IActorRef> _targets = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _failure;
    private long _lastHeardTicks;
    private uint _seq;


    public LinkSession(PeerLink peer, NodeLinks remoting, ILinkConnection connection, bool outbound)
    {
        _peer = peer;
        _remoting = remoting;
        Connection = connection;
        Outbound = outbound;
        Touch();
    }

    public ILinkConnection Connection { get; }

    /// <summary>True when this node dialed the connection.</summary>
    public bool Outbound { get; }

    /// <summary>Completes when the writer loop has stopped (a successor may then start its own).</summary>
    public Task WriterStopped => _writerDone.Task;

    /// <summary>Scheduler time of the last frame received.</summary>
    public TimeSpan LastHeard => TimeSpan.FromTicks(Interlocked.Read(ref _lastHeardTicks));

    /// <summary>Closes a session that will never run (the node is stopping).</summary>
    public void Abandon()
    {
        Fail("node link stopped");
        _writerDone.TrySetResult();
    }

    /// <summary>
    /// Ends the session with <paramref name="reason"/> (first reason wins). No cancellation tokens:
    /// the reader is woken by <c>CancelPendingRead</c> and the connection's abort, the writer by a
    /// stop signal, so failing never runs foreign callbacks inline on the caller's thread.
    /// </summary>
    public void Fail(string reason)
    {
        Interlocked.CompareExchange(ref _failure, reason, null);
        _stop.TrySetResult();
        try
        {
            Connection.Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
        }

        Connection.Abort();
    }

    /// <summary>Runs the session after <paramref name="predecessor"/>'s writer stopped; returns the reason it ended.</summary>
    public async Task<string> RunAsync(LinkSession? predecessor)
    {
        if (predecessor is not null)
        {
            predecessor.Fail("replaced by a newer connection");
            await predecessor.WriterStopped;
        }

        var writer = Task.Run(WriteLoopAsync);
        string reason;
        try
        {
            reason = await ReadLoopAsync();
        }
        catch (LinkFrameException ex)
        {
            // Tell the peer why, but only once the writer has stopped: a PipeWriter has one writer.
            reason = "protocol error: " + ex.Message;
            _stop.TrySetResult();
            await writer;
            await LinkIO.TryRefuseAsync(Connection.Output, reason);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            reason = "connection lost: " + ex.Message;
        }

        Fail(reason);
        await writer;
        return Volatile.Read(ref _failure) ?? reason;
    }

    private void Touch() => Interlocked.Exchange(ref _lastHeardTicks, _remoting.Scheduler.MonotonicClock.Ticks);

    private async Task<string> ReadLoopAsync()
    {
        var input = Connection.Input;
        var max = _remoting.Settings.MaxFrameSize;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            try
            {
                while (LinkFrameCodec.TryReadLength(buffer, max, out var len) && buffer.Length >= len)
                {
                    var frame = buffer.Slice(0, len);
                    if (Handle(frame) is { } ended)
                    {
                        return ended;
                    }

                    buffer = buffer.Slice(len);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return Volatile.Read(ref _failure) ?? "connection closed by the peer";
            }
        }
    }

    private string? Handle(ReadOnlySequence<byte> bytes)
    {
        Touch();
        LinkFrame frame;
        if (bytes.IsSingleSegment)
        {
            frame = LinkFrameCodec.Decode(bytes.FirstSpan);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
            try
            {
                bytes.CopyTo(rented);
                frame = LinkFrameCodec.Decode(rented.AsSpan(0, (int)bytes.Length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        switch (frame)
        {
            case EnvelopeFrame e:
                Deliver(e);
                return null;
            case HeartbeatFrame:
                return null;
            case WatchFrame w:
                _remoting.Watches.OnWatch(_peer.Node, _peer, w);
                return null;
            case UnwatchFrame u:
                _remoting.Watches.OnUnwatch(_peer.Node, u);
                return null;
            case DeathWatchNotificationFrame d:
                _remoting.Watches.OnNotification(_peer.Node, d);
                return null;
            case RefuseFrame r:
                return "closed by the peer: " + r.Reason;
            default:
                throw new LinkFrameException($"unexpected {frame.GetType().Name} after the handshake", 0, null);
        }
    }

    private void Deliver(EnvelopeFrame e)
    {
        _peer.CountReceived();
        var codec = _remoting.Settings.Registry.ForId(e.TypeId);
        if (codec is null)
        {
            _remoting.Undecodable(_peer.Node, $"unknown message type id {e.TypeId} for {e.Target}");
            return;
        }

        object message;
        try
        {
            message = codec.Decode(e.Payload.Span);
        }
        catch (Exception ex) when (ex is DpifDecodeException or LinkFrameException)
        {
            _remoting.Undecodable(_peer.Node, $"bad {codec.Name} payload for {e.Target}: {ex.Message}");
            return;
        }

        var sender = e.Sender is null ? ActorRefs.Nobody : _remoting.RefForPathText(e.Sender);
        ResolveTarget(e.Target).Tell(message, sender);
    }

    private IActorRef ResolveTarget(string path)
    {
        if (_targets.TryGetValue(path, out var cached) && !cached.IsTerminated())
        {
            return cached;
        }

        if (ActorPath.TryParse(path, out var parsed) && _remoting.System.TryResolveLocal(parsed!, out var local))
        {
            if (_targets.Count > 10_000)
            {
                _targets.Clear();
            }

            _targets[path] = local;
            return local;
        }

        return _remoting.System.DeadLetters;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _peer.Queue.Reader;
        var output = Connection.Output;
        var scratch = new NetlinkWriter(1024);
        var settings = _remoting.Settings;
        var unaccounted = 0;
        try
        {
            while (await WaitForWorkAsync(reader))
            {
                var bytes = 0;
                while (unaccounted < settings.MaxBatchFrames && bytes < settings.MaxBatchBytes && reader.TryRead(out var item))
                {
                    unaccounted++;
                    bytes += WriteOne(item, output, scratch);
                }

                var flushed = await output.FlushAsync();
                _peer.Dequeued(unaccounted);
                unaccounted = 0;
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            Fail("write failed: " + ex.Message);
        }
        finally
        {
            _peer.Dequeued(unaccounted);
            _writerDone.TrySetResult();
        }
    }

    /// <summary>True when the queue has items; false when the session stops first (or the queue completed).</summary>
    private async ValueTask<bool> WaitForWorkAsync(System.Threading.Channels.ChannelReader<Outbound> reader)
    {
        if (_stop.Task.IsCompleted)
        {
            return false;
        }

        var wait = reader.WaitToReadAsync();
        if (wait.IsCompleted)
        {
            return wait.Result && !_stop.Task.IsCompleted;
        }

        var task = wait.AsTask();
        var first = await Task.WhenAny(task, _stop.Task);
        return first == task && task.Result && !_stop.Task.IsCompleted;
    }

    private int WriteOne(Outbound item, System.IO.Pipelines.PipeWriter output, NetlinkWriter scratch)
    {
        if (item.Control is { } control)
        {
            var length = LinkFrameCodec.Measure(control);
            var n = LinkFrameCodec.Write(control, _seq++, output.GetSpan(length));
            output.Advance(n);
            return n;
        }

        if (item.Target is null)
        {
            var hb = output.GetSpan(16);
            var n = LinkFrameCodec.Write(HeartbeatFrame.Instance, _seq++, hb);
            output.Advance(n);
            return n;
        }

        var codec = _remoting.Settings.Registry.ForMessage(item.Message!);
        if (codec is null)
        {
            _peer.Undeliverable(item, $"message type {item.Message!.GetType().FullName} is not in the remote message registry");
            return 0;
        }

        scratch.Reset();
        try
        {
            codec.Encode(item.Message!, scratch);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            _peer.Undeliverable(item, $"{codec.Name} encoding failed: {ex.Message}");
            return 0;
        }

        var sender = SenderPath(item.Sender);
        var size = LinkFrameCodec.MeasureEnvelope(
            System.Text.Encoding.UTF8.GetByteCount(item.Target.PathText),
            sender is null ? -1 : System.Text.Encoding.UTF8.GetByteCount(sender),
            scratch.Length);
        if (size > _remoting.Settings.MaxFrameSize)
        {
            _peer.Undeliverable(item, $"frame of {size} bytes exceeds the frame size limit of {_remoting.Settings.MaxFrameSize} bytes");
            return 0;
        }

        var span = output.GetSpan(size);
        LinkFrameCodec.WriteEnvelope(span, _seq++, item.Target.PathText, sender, codec.TypeId, scratch.WrittenSpan);
        output.Advance(size);
        _peer.CountSent();
        return size;
    }

    private static string? SenderPath(IActorRef? sender) =>
        sender is null || sender.IsNobody() ? null : sender.Path.ToString();
}

/// <summary>
/// An entry of a link's send queue: a message for a remote actor, a control frame (remote
/// DeathWatch; <paramref name="Control"/> set), or a heartbeat (both Target and Control null).
/// </summary>
internal readonly record struct Outbound(RemoteActorRef? Target, object? Message, IActorRef? Sender, LinkFrame? Control = null)
{
    public static Outbound Heartbeat => default;
}
