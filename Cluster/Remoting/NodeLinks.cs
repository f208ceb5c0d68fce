using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Remoting.Wire;
using VSwarm.Cluster.Transport;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// A node's links to the other nodes of the cluster (Akka.Remote's <c>RemoteActorRefProvider</c> and
/// endpoint manager, reduced). The node's <see cref="ActorSystem"/> is named after the node, so an
/// actor on node <c>b</c> is <c>vswarm://b/user/...</c>; <see cref="Resolve(string, string)"/> gives a
/// ref that tells across the link, and the system's <c>ActorSelection</c>/<c>ResolveActorRef</c> of
/// another node's path go through here too. Links are one connection per node pair, authenticated by
/// a handshake over the shared secret, watched by heartbeats, redialed with backoff; link changes are
/// published on the EventStream as <see cref="LinkUp"/>, <see cref="LinkDown"/> and <see cref="LinkRefused"/>.
/// </summary>
/// <example>
/// A bridge whose patch-link peer lives on another node sends it the packets it puts out:
/// <code>remoting.Resolve(peerNode, $"/user/bridges/{peerBridge}").Tell(new PacketsIn(packets), Self);</code>
/// </example>
public sealed class NodeLinks : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PeerLink> _peers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IActorRef> _refs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ILinkConnection, byte> _accepted = new();
    private readonly Random _random;
    private ILinkListener? _listener;
    private long _undecodable;
    private int _stopped;

    /// <summary>Creates the links of <paramref name="system"/>'s node (not started; see <see cref="StartAsync"/>).</summary>
    public NodeLinks(ActorSystem system, RemotingSettings settings, ILinkTransport transport)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(transport);
        settings.Validate();
        System = system;
        Settings = settings;
        Transport = transport;
        Log = system.LoggerFactory.CreateLogger("VSwarm.Cluster.Remoting");
        _random = settings.RandomSeed is { } seed ? new Random(seed) : new Random();
        Watches = new RemoteWatch(this);
        Watches.Start();
        system.SetExternalResolver(ResolveForeign);
    }

    /// <summary>This node's name (the actor system's name).</summary>
    public string NodeName => System.Name;

    /// <summary>The actor system these links serve.</summary>
    public ActorSystem System { get; }

    /// <summary>The settings.</summary>
    public RemotingSettings Settings { get; }

    /// <summary>The address this node listens on once started (null before).</summary>
    public string? ListenAddress => _listener?.Address;

    /// <summary>Envelopes received that could not be decoded (unknown type id, bad payload).</summary>
    public long UndecodableCount => Interlocked.Read(ref _undecodable);

    /// <summary>Messages sent to dead letters because they could not go out, over all peers.</summary>
    public long UndeliveredCount => _peers.Values.Sum(p => p.Stats.Undelivered);

    /// <summary>True when no frame waits in any send queue (tests wait for it before advancing virtual time).</summary>
    public bool IsIdle => _peers.Values.All(p => p.Pending == 0);

    internal ILinkTransport Transport { get; }

    /// <summary>Remote DeathWatch of this node (both as watcher and as watched).</summary>
    internal RemoteWatch Watches { get; }

    /// <summary>Remote watch pairs held by local watchers of refs on other nodes (0 once all ended; shows leaks).</summary>
    public int RemoteWatchCount => Watches.WatchingCount;

    /// <summary>Watches of local actors held for watchers on other nodes (0 once all ended; shows leaks).</summary>
    public int RemoteWatcherCount => Watches.ServedCount;

    internal IScheduler Scheduler => System.Scheduler;

    internal ILogger Log { get; }

    internal bool IsStopped => Volatile.Read(ref _stopped) != 0;

    /// <summary>Starts listening on <paramref name="listenAddress"/>; returns the bound address.</summary>
    public async Task<string> StartAsync(string listenAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(listenAddress);
        if (_listener is not null)
        {
            throw new InvalidOperationException($"node {NodeName} already listens on {_listener.Address}");
        }

        _listener = await Transport.ListenAsync(listenAddress, AcceptAsync, cancellationToken);
        RemotingLog.Listening(Log, NodeName, _listener.Address);
        return _listener.Address;
    }

    /// <summary>
    /// Makes <paramref name="node"/> a known peer reachable at <paramref name="address"/> and dials it.
    /// Only known peers may connect to this node (membership calls this as nodes join).
    /// </summary>
    public void SetPeer(string node, string address) => SetPeer(node, address, dial: true);

    /// <summary>
    /// Makes <paramref name="node"/> a known peer; dials it now when <paramref name="dial"/> is set,
    /// else on the first message or <see cref="Connect"/> (lets both ends learn of each other before
    /// either dials, as a membership snapshot does).
    /// </summary>
    public void SetPeer(string node, string address, bool dial)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (string.Equals(node, NodeName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"node {node} is this node", nameof(node));
        }

        Peer(node).SetAddress(address, dial);
    }

    /// <summary>Dials <paramref name="node"/> now unless its link is up or being made.</summary>
    public void Connect(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        Peer(node).StartDial();
    }

    /// <summary>Forgets a peer: closes its link; messages to it go to dead letters.</summary>
    public void RemovePeer(string node)
    {
        if (_peers.TryGetValue(node, out var p))
        {
            p.SetAddress(null, false);
            p.Stop();
        }

        Watches.NodeGone(node); // removed from the cluster: its watches end now, even with no link up
        Watches.Forget(node);
    }

    /// <summary>A ref to the actor at <paramref name="path"/> (e.g. "/user/bridges/br1") on <paramref name="node"/>.</summary>
    public IActorRef Resolve(string node, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var elements = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return Resolve(new ActorPath(node, elements));
    }

    /// <summary>A ref for <paramref name="path"/>: local when it names this node, else a <see cref="RemoteActorRef"/>.</summary>
    public IActorRef Resolve(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return string.Equals(path.SystemName, NodeName, StringComparison.Ordinal)
            ? System.ResolveActorRef(path)
            : RemoteRef(path);
    }

    /// <summary>True when the link to <paramref name="node"/> is up.</summary>
    public bool IsUp(string node) => _peers.TryGetValue(node, out var p) && p.IsUp;

    /// <summary>Counters of the link to <paramref name="node"/>.</summary>
    public LinkStats Stats(string node) => _peers.TryGetValue(node, out var p) ? p.Stats : new LinkStats(node, false, 0, 0, 0);

    /// <summary>Stops listening and closes every link.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        System.SetExternalResolver(null);
        Watches.Stop();
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        foreach (var p in _peers.Values)
        {
            p.Stop();
        }

        foreach (var c in _accepted.Keys)
        {
            c.Abort();
        }
    }

    internal void Publish(object @event) => System.EventStream.Publish(@event);

    /// <summary>The link to <paramref name="node"/>, if it is a known peer.</summary>
    internal PeerLink? Link(string node) => _peers.TryGetValue(node, out var p) ? p : null;

    internal double NextRandom()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    internal void Undecodable(string node, string what)
    {
        Interlocked.Increment(ref _undecodable);
        RemotingLog.Undecodable(Log, node, what);
    }

    internal IActorRef RefForPathText(string text) =>
        _refs.TryGetValue(text, out var r) ? r : (ActorPath.TryParse(text, out var p) ? Resolve(p!) : System.DeadLetters);

    internal async Task HandshakeAsDialerAsync(ILinkConnection connection, string node)
    {
        using var cts = new CancellationTokenSource();
        var timer = Scheduler.ScheduleOnce(Settings.HandshakeTimeout, () => CancelQuietly(cts));
        try
        {
            var nonce = LinkHandshake.Nonce();
            await LinkIO.WriteAsync(connection.Output, new HelloFrame(LinkNetlink.ProtocolVersion, Settings.ClusterName, NodeName, node, nonce), cts.Token);
            var answer = await LinkIO.ReadAsync(connection.Input, LinkNetlink.MaxHandshakeFrame, cts.Token);
            switch (answer)
            {
                case RefuseFrame r:
                    throw new LinkRefusedException(r.Reason, byPeer: true, tieBreak: r.Reason.StartsWith(TieBreakReason, StringComparison.Ordinal));
                case ChallengeFrame c:
                    if (!string.Equals(c.From, node, StringComparison.Ordinal))
                    {
                        await RefuseAsync(connection, $"expected node {node}, reached {c.From}");
                    }

                    var expected = LinkHandshake.Proof(Settings.SharedSecret, LinkHandshake.AcceptorRole, Settings.ClusterName, NodeName, node, nonce, c.Nonce);
                    if (!LinkHandshake.Verify(expected, c.Proof))
                    {
                        await RefuseAsync(connection, "authentication failed");
                    }

                    var proof = LinkHandshake.Proof(Settings.SharedSecret, LinkHandshake.DialerRole, Settings.ClusterName, NodeName, node, nonce, c.Nonce);
                    await LinkIO.WriteAsync(connection.Output, new AuthFrame(proof), cts.Token);
                    break;
                case null:
                    throw new IOException($"{node} closed the connection during the handshake");
                default:
                    await RefuseAsync(connection, $"protocol error: expected CHALLENGE, got {answer.GetType().Name}");
                    break;
            }

            var ready = await LinkIO.ReadAsync(connection.Input, LinkNetlink.MaxHandshakeFrame, cts.Token);
            switch (ready)
            {
                case ReadyFrame:
                    return;
                case RefuseFrame r:
                    throw new LinkRefusedException(r.Reason, byPeer: true);
                case null:
                    throw new IOException($"{node} closed the connection during the handshake");
                default:
                    await RefuseAsync(connection, $"protocol error: expected READY, got {ready.GetType().Name}");
                    break;
            }
        }
        finally
        {
            timer.Cancel();
        }
    }

    private const string TieBreakReason = "duplicate connection";

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task RefuseAsync(ILinkConnection connection, string reason)
    {
        await LinkIO.TryRefuseAsync(connection.Output, reason);
        throw new LinkRefusedException(reason, byPeer: false);
    }

    private async Task AcceptAsync(ILinkConnection connection)
    {
        if (IsStopped)
        {
            connection.Abort();
            return;
        }

        _accepted[connection] = 0;
        try
        {
            PeerLink? registered = null;
            PeerLink? peer = null;
            try
            {
                peer = await HandshakeAsAcceptorAsync(connection, p => registered = p);
            }
            finally
            {
                registered?.EndInbound(adopted: peer is not null);
            }

            if (peer is null)
            {
                return;
            }

            var session = new LinkSession(peer, this, connection, outbound: false);
            peer.Adopt(session);
            await session.WriterStopped;
        }
        finally
        {
            _accepted.TryRemove(connection, out _);
        }
    }

    private async Task<PeerLink?> HandshakeAsAcceptorAsync(ILinkConnection connection, Action<PeerLink> registered)
    {
        using var cts = new CancellationTokenSource();
        var timer = Scheduler.ScheduleOnce(Settings.HandshakeTimeout, () => CancelQuietly(cts));
        string claimed = connection.RemoteAddress;
        try
        {
            var first = await LinkIO.ReadAsync(connection.Input, LinkNetlink.MaxHandshakeFrame, cts.Token);
            if (first is not HelloFrame hello)
            {
                if (first is not null)
                {
                    await RefuseAsync(connection, $"protocol error: expected HELLO, got {first.GetType().Name}");
                }

                return null;
            }

            claimed = hello.From;
            var reason = hello switch
            {
                { Version: not LinkNetlink.ProtocolVersion } => $"unsupported protocol version {hello.Version} (this node speaks {LinkNetlink.ProtocolVersion})",
                _ when !string.Equals(hello.Cluster, Settings.ClusterName, StringComparison.Ordinal) => $"wrong cluster: {hello.Cluster}",
                _ when !string.Equals(hello.To, NodeName, StringComparison.Ordinal) => $"wrong node: this is {NodeName}, not {hello.To}",
                _ when string.Equals(hello.From, NodeName, StringComparison.Ordinal) => "a node cannot link to itself",
                _ when !_peers.TryGetValue(hello.From, out var known) || known.Address is null => $"unknown node {hello.From}",
                _ => null,
            };
            if (reason is not null)
            {
                await RefuseAsync(connection, reason);
            }

            var peer = _peers[hello.From];
            if (!peer.TryBeginInbound())
            {
                await LinkIO.TryRefuseAsync(connection.Output, $"{TieBreakReason}: {NodeName}'s outbound connection wins (lower node name)");
                await CloseGracefullyAsync(connection);
                return null;
            }

            registered(peer);

            var nonce = LinkHandshake.Nonce();
            var proof = LinkHandshake.Proof(Settings.SharedSecret, LinkHandshake.AcceptorRole, Settings.ClusterName, hello.From, NodeName, hello.Nonce, nonce);
            await LinkIO.WriteAsync(connection.Output, new ChallengeFrame(NodeName, nonce, proof), cts.Token);
            var auth = await LinkIO.ReadAsync(connection.Input, LinkNetlink.MaxHandshakeFrame, cts.Token);
            if (auth is RefuseFrame refused)
            {
                throw new LinkRefusedException(refused.Reason, byPeer: true);
            }

            if (auth is not AuthFrame a)
            {
                if (auth is not null)
                {
                    await RefuseAsync(connection, $"protocol error: expected AUTH, got {auth.GetType().Name}");
                }

                return null;
            }

            var expected = LinkHandshake.Proof(Settings.SharedSecret, LinkHandshake.DialerRole, Settings.ClusterName, hello.From, NodeName, hello.Nonce, nonce);
            if (!LinkHandshake.Verify(expected, a.Proof))
            {
                await RefuseAsync(connection, "authentication failed");
            }

            await LinkIO.WriteAsync(connection.Output, ReadyFrame.Instance, cts.Token);
            return peer;
        }
        catch (LinkRefusedException ex)
        {
            RemotingLog.Refused(Log, claimed, ex.Message);
            Publish(new LinkRefused(claimed, ex.Message, ByPeer: ex.ByPeer));
            await CloseGracefullyAsync(connection);
            return null;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or LinkFrameException or InvalidOperationException or ObjectDisposedException)
        {
            var why = ex is OperationCanceledException ? "handshake timed out" : ex.Message;
            if (ex is LinkFrameException)
            {
                await LinkIO.TryRefuseAsync(connection.Output, "protocol error: " + why);
            }

            RemotingLog.HandshakeFailed(Log, claimed, why);
            await CloseGracefullyAsync(connection);
            return null;
        }
        finally
        {
            timer.Cancel();
        }
    }

    /// <summary>Completes our side so a REFUSE frame already written reaches the peer before the close (an abort may reset it away).</summary>
    private static async Task CloseGracefullyAsync(ILinkConnection connection)
    {
        try
        {
            await connection.Output.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            connection.Abort();
        }
    }

    private PeerLink Peer(string node) => _peers.GetOrAdd(node, n => new PeerLink(this, n));

    private RemoteActorRef RemoteRef(ActorPath path)
    {
        var text = path.ToString();
        if (_refs.TryGetValue(text, out var existing) && existing is RemoteActorRef r)
        {
            return r;
        }

        var created = new RemoteActorRef(path, System, Peer(path.SystemName));
        if (_refs.Count > 100_000)
        {
            _refs.Clear();
        }

        return (RemoteActorRef)_refs.GetOrAdd(text, created);
    }

    private IActorRef? ResolveForeign(ActorPath path) => IsStopped ? null : RemoteRef(path);
}
