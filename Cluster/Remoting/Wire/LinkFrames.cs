namespace VSwarm.Cluster.Remoting.Wire;

/// <summary>
/// One frame of a node link, decoded. On the wire each is one netlink message (a 16-byte
/// nlmsghdr whose <c>nlmsg_len</c> prefixes the frame, then attributes); see <see cref="LinkFrameCodec"/>.
/// Byte-array members compare by reference (records); compare their contents in tests.
/// </summary>
public abstract record LinkFrame;

/// <summary>Dialer → acceptor: who I am, which cluster, whom I want, and a fresh nonce.</summary>
public sealed record HelloFrame(ushort Version, string Cluster, string From, string To, byte[] Nonce) : LinkFrame;

/// <summary>Acceptor → dialer: who I am, my nonce, and my proof of the shared secret over both nonces.</summary>
public sealed record ChallengeFrame(string From, byte[] Nonce, byte[] Proof) : LinkFrame;

/// <summary>Dialer → acceptor: the dialer's proof of the shared secret over both nonces.</summary>
public sealed record AuthFrame(byte[] Proof) : LinkFrame;

/// <summary>Acceptor → dialer: authenticated, the link is up.</summary>
public sealed record ReadyFrame : LinkFrame
{
    /// <summary>The instance.</summary>
    public static ReadyFrame Instance { get; } = new();
}

/// <summary>Either side: refused (unknown peer, wrong cluster, authentication failed, protocol error); the sender closes.</summary>
public sealed record RefuseFrame(string Reason) : LinkFrame;

/// <summary>Either side, every heartbeat interval: a sign of life when there is no traffic.</summary>
public sealed record HeartbeatFrame : LinkFrame
{
    /// <summary>The instance.</summary>
    public static HeartbeatFrame Instance { get; } = new();
}

/// <summary>
/// A message for an actor on the receiving node: the target path, the sender's path (null: no
/// sender), the message type id from the closed <see cref="Registry.RemoteMessageRegistry"/>, and the
/// message's own netlink encoding.
/// </summary>
public sealed record EnvelopeFrame(string Target, string? Sender, ushort TypeId, ReadOnlyMemory<byte> Payload) : LinkFrame;

/// <summary>
/// Watcher's node → watchee's node: <paramref name="Watcher"/> (an actor on the sending node) watches
/// <paramref name="Watchee"/> (a path on the receiving node). Akka.Remote's <c>Watch</c> system
/// message, sent by its <c>RemoteWatcher</c>; the receiving node watches the actor on the watcher's
/// behalf and answers with a <see cref="DeathWatchNotificationFrame"/> when it stops (at once with
/// existence not confirmed when no actor lives at the path).
/// </summary>
public sealed record WatchFrame(string Watchee, string Watcher) : LinkFrame;

/// <summary>Watcher's node → watchee's node: <paramref name="Watcher"/> no longer watches <paramref name="Watchee"/> (Akka's <c>Unwatch</c>).</summary>
public sealed record UnwatchFrame(string Watchee, string Watcher) : LinkFrame;

/// <summary>
/// Watchee's node → watcher's node: <paramref name="Actor"/> has stopped; <paramref name="Watcher"/>
/// receives <c>Terminated(actor, ExistenceConfirmed, AddressTerminated: false)</c>. Akka's
/// <c>DeathWatchNotification</c>; <paramref name="ExistenceConfirmed"/> is false when the path named
/// no live actor when the watch arrived.
/// </summary>
public sealed record DeathWatchNotificationFrame(string Actor, string Watcher, bool ExistenceConfirmed) : LinkFrame;
