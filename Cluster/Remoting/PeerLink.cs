using System.Threading.Channels;
using VSwarm.Cluster.Remoting.Wire;
using VSwarm.Cluster.Transport;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// Everything this node knows about its link to one peer node (Akka's association): the send
/// queue (a Channel, so telling never blocks), the current connection, dialing with exponential
/// backoff and jitter, the heartbeat failure detector, and counters. At most one connection per
/// node pair carries traffic; when both nodes dial at once the lower node name's outbound
/// connection wins.
/// </summary>
internal sealed class PeerLink
{
    private readonly NodeLinks _remoting;
    private readonly object _gate = new();
    private LinkState _state = LinkState.Idle;
    private LinkSession? _session;
    private ILinkConnection? _dialConnection;
    private bool _dialing;
    private int _inboundHandshakes;
    private int _attempt;
    private ICancelable? _heartbeat;
    private ICancelable? _retry;
    private long _queued;
    private long _sent;
    private long _received;
    private long _undelivered;

    public PeerLink(NodeLinks remoting, string node)
    {
        _remoting = remoting;
        Node = node;
    }

    private enum LinkState
    {
        Idle,
        Connecting,
        Up,
        Down,
    }

    public string Node { get; }

    /// <summary>The node links this link belongs to.</summary>
    public NodeLinks Remoting => _remoting;

    /// <summary>Where to dial the peer; null while unknown (messages then go to dead letters).</summary>
    public string? Address { get; private set; }

    public Channel<Outbound> Queue { get; } = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public bool IsUp
    {
        get
        {
            lock (_gate)
            {
                return _state == LinkState.Up;
            }
        }
    }

    /// <summary>Frames queued or being written (0 when the link is idle).</summary>
    public long Pending => Interlocked.Read(ref _queued);

    public LinkStats Stats => new(Node, IsUp, Interlocked.Read(ref _sent), Interlocked.Read(ref _received), Interlocked.Read(ref _undelivered));

    public void SetAddress(string? address, bool dial)
    {
        lock (_gate)
        {
            Address = address;
        }

        if (address is not null && dial)
        {
            StartDial();
        }
    }

    public void Send(RemoteActorRef target, object message, IActorRef? sender)
    {
        var item = new Outbound(target, message, sender);
        if (!TryEnqueue(item))
        {
            Undeliverable(item, null);
        }
    }

    /// <summary>
    /// Queues a control frame (remote DeathWatch) like a message: false when it cannot go out because
    /// the peer is unknown, its link is down, or the first connection's queue is full.
    /// </summary>
    public bool SendControl(LinkFrame frame) => TryEnqueue(new Outbound(null, null, null, frame));

    /// <summary>
    /// Queues <paramref name="item"/> when the link is up, or while the first connection is being
    /// made and the pending limit allows; an idle link with a known address starts dialing.
    /// </summary>
    private bool TryEnqueue(Outbound item)
    {
        var dial = false;
        var queued = false;
        lock (_gate)
        {
            if (_state == LinkState.Idle && Address is not null && !_remoting.IsStopped)
            {
                _state = LinkState.Connecting;
                dial = true;
            }

            if (_state == LinkState.Up || (_state == LinkState.Connecting && Interlocked.Read(ref _queued) < _remoting.Settings.PendingLimit))
            {
                Interlocked.Increment(ref _queued);
                Queue.Writer.TryWrite(item);
                queued = true;
            }
        }

        if (dial)
        {
            StartDial();
        }

        return queued;
    }

    /// <summary>A message that cannot go out: dead letters on this node, counted.</summary>
    public void Undeliverable(Outbound item, string? why)
    {
        if (item.Target is null)
        {
            return;
        }

        Interlocked.Increment(ref _undelivered);
        if (why is not null)
        {
            RemotingLog.NotSent(_remoting.Log, item.Message!.GetType().Name, item.Target.PathText, why);
        }

        _remoting.System.DeadLetters.Tell(new DeadLetter(item.Message!, item.Sender ?? ActorRefs.Nobody, item.Target), ActorRefs.Nobody);
    }

    public void Dequeued(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _queued, -count);
        }
    }

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountReceived() => Interlocked.Increment(ref _received);

    /// <summary>
    /// Tie-break for an inbound Hello: false (refuse) while our own outbound connection to this
    /// peer is being made or is up and our name is the lower one (our outbound wins). Otherwise the
    /// inbound handshake is registered, and we do not dial this peer until it ends.
    /// </summary>
    public bool TryBeginInbound()
    {
        lock (_gate)
        {
            if (string.CompareOrdinal(_remoting.NodeName, Node) < 0 && (_dialing || _session is { Outbound: true }))
            {
                return false;
            }

            _inboundHandshakes++;
            return true;
        }
    }

    /// <summary>An inbound handshake ended; when it failed, redial later as after a failed dial.</summary>
    public void EndInbound(bool adopted)
    {
        lock (_gate)
        {
            _inboundHandshakes--;
        }

        if (!adopted)
        {
            ScheduleRetry();
        }
    }

    /// <summary>Starts <see cref="DialAsync"/> on the thread pool (never on the caller's SynchronizationContext).</summary>
    public void StartDial() => _ = Task.Run(DialAsync);

    /// <summary>Dials the peer unless a connection is up or being made.</summary>
    public async Task DialAsync()
    {
        string address;
        lock (_gate)
        {
            if (_dialing || _inboundHandshakes > 0 || _state == LinkState.Up || Address is null || _remoting.IsStopped)
            {
                return;
            }

            _dialing = true;
            address = Address;
            if (_state == LinkState.Idle)
            {
                _state = LinkState.Connecting;
            }
        }

        ILinkConnection? connection = null;
        try
        {
            connection = await _remoting.Transport.ConnectAsync(address);
            lock (_gate)
            {
                _dialConnection = connection;
            }

            await _remoting.HandshakeAsDialerAsync(connection, Node);
            var session = new LinkSession(this, _remoting, connection, outbound: true);
            lock (_gate)
            {
                _dialing = false;
                _dialConnection = null;
            }

            Adopt(session);
        }
        catch (LinkRefusedException ex)
        {
            connection?.Abort();
            DialFailed(ex.Message, ex.TieBreak);
            if (!ex.TieBreak)
            {
                _remoting.Publish(new LinkRefused(Node, ex.Message, ex.ByPeer));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or LinkFrameException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            connection?.Abort();
            DialFailed(ex is OperationCanceledException ? "handshake timed out" : ex.Message, false);
        }
    }

    /// <summary>An authenticated connection (dialed or accepted) becomes the link's connection.</summary>
    public void Adopt(LinkSession session)
    {
        LinkSession? previous;
        ILinkConnection? abandonedDial = null;
        bool wasUp;
        lock (_gate)
        {
            if (_remoting.IsStopped)
            {
                session.Abandon();
                return;
            }

            previous = _session;
            _session = session;
            wasUp = _state == LinkState.Up;
            _state = LinkState.Up;
            if (!wasUp && _remoting.Watches.TakeStale(Node) is { } stale)
            {
                // Owed UNWATCHes go first, before any WATCH made on the new link (none can be queued yet:
                // while the link is down a Watch ends at once with AddressTerminated).
                foreach (var unwatch in stale)
                {
                    Interlocked.Increment(ref _queued);
                    Queue.Writer.TryWrite(new Outbound(null, null, null, unwatch));
                }
            }
            _attempt = 0;
            _retry?.Cancel();
            if (!session.Outbound && _dialConnection is not null)
            {
                abandonedDial = _dialConnection; // the inbound connection won the tie-break
            }

            _heartbeat ??= _remoting.Scheduler.ScheduleRepeatedly(_remoting.Settings.HeartbeatInterval, _remoting.Settings.HeartbeatInterval, HeartbeatTick);
        }

        abandonedDial?.Abort();
        if (!wasUp)
        {
            RemotingLog.LinkUp(_remoting.Log, Node, session.Outbound ? "outbound" : "inbound");
            _remoting.Publish(new LinkUp(Node));
        }

        // Loops run on the thread pool, never on a caller's SynchronizationContext (a test runner's, say).
        _ = Task.Run(() => RunSessionAsync(session, previous));
    }

    public void Stop()
    {
        LinkSession? s;
        lock (_gate)
        {
            s = _session;
            _heartbeat?.Cancel();
            _retry?.Cancel();
            _dialConnection?.Abort();
        }

        s?.Fail("node link stopped");
    }

    private async Task RunSessionAsync(LinkSession session, LinkSession? previous)
    {
        var reason = await session.RunAsync(previous);
        bool down;
        lock (_gate)
        {
            down = ReferenceEquals(_session, session);
            if (down)
            {
                _session = null;
                _state = LinkState.Down;
                _heartbeat?.Cancel();
                _heartbeat = null;
            }
        }

        if (!down)
        {
            return;
        }

        RemotingLog.LinkDown(_remoting.Log, Node, reason);
        DrainToDeadLetters();
        _remoting.Watches.NodeGone(Node);
        _remoting.Publish(new LinkDown(Node, reason));
        ScheduleRetry();
    }

    private void DialFailed(string reason, bool tieBreak)
    {
        var drain = false;
        lock (_gate)
        {
            _dialing = false;
            _dialConnection = null;
            if (!tieBreak && _state == LinkState.Connecting)
            {
                _state = LinkState.Down;
                drain = true;
            }
        }

        RemotingLog.DialFailed(_remoting.Log, Node, reason);
        if (drain)
        {
            DrainToDeadLetters();
            _remoting.Watches.NodeGone(Node); // the first connection failed: watches of refs there end
        }

        ScheduleRetry();
    }

    private void DrainToDeadLetters()
    {
        lock (_gate)
        {
            if (_state == LinkState.Up)
            {
                return;
            }

            while (Queue.Reader.TryRead(out var item))
            {
                Interlocked.Decrement(ref _queued);
                Undeliverable(item, null);
            }
        }
    }

    private void ScheduleRetry()
    {
        TimeSpan delay;
        lock (_gate)
        {
            if (_state == LinkState.Up || _remoting.IsStopped || Address is null)
            {
                return;
            }

            var s = _remoting.Settings;
            var baseMs = Math.Min(s.ReconnectMax.TotalMilliseconds, s.ReconnectMin.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
            _attempt++;
            var jitter = 1 + (s.ReconnectJitter * ((_remoting.NextRandom() * 2) - 1));
            delay = TimeSpan.FromMilliseconds(Math.Max(1, baseMs * jitter));
            _retry?.Cancel();
            _retry = _remoting.Scheduler.ScheduleOnce(delay, StartDial);
        }
    }

    private void HeartbeatTick()
    {
        LinkSession? s;
        lock (_gate)
        {
            s = _session;
        }

        if (s is null)
        {
            return;
        }

        var settings = _remoting.Settings;
        var silent = _remoting.Scheduler.MonotonicClock - s.LastHeard;
        if (silent > settings.HeartbeatInterval * settings.MissedHeartbeats)
        {
            var reason = $"no frame from {Node} for {silent.TotalMilliseconds:0} ms ({settings.MissedHeartbeats} heartbeats missed)";
            // Fail off the scheduler's thread: cancelling runs callbacks inline, and the scheduler's
            // thread may be a test runner's thread with its own SynchronizationContext.
            _ = Task.Run(() => s.Fail(reason));
            return;
        }

        lock (_gate)
        {
            if (_state == LinkState.Up)
            {
                Interlocked.Increment(ref _queued);
                Queue.Writer.TryWrite(Outbound.Heartbeat);
            }
        }
    }
}

/// <summary>Counters of one node link.</summary>
/// <param name="Node">The peer node.</param>
/// <param name="IsUp">Whether the link is up now.</param>
/// <param name="Sent">Messages written to the link.</param>
/// <param name="Received">Messages received from the peer.</param>
/// <param name="Undelivered">Messages that went to dead letters on this node (peer unreachable, not encodable, too large).</param>
public sealed record LinkStats(string Node, bool IsUp, long Sent, long Received, long Undelivered);
