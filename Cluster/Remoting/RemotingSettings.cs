using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Cluster.Remoting.Wire;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// Settings of a node's links (Akka's <c>akka.remote</c> section, reduced). Defaults follow
/// Akka's transport failure detector (1 s heartbeats) and reconnect backoff, with a 1 MiB frame
/// limit instead of Akka's 128 KB (a dump batch of 50 flows and a 32-packet batch fit easily).
/// </summary>
public sealed record RemotingSettings
{
    /// <summary>The cluster's name: a peer of another cluster is refused at the handshake.</summary>
    public required string ClusterName { get; init; }

    /// <summary>The shared secret both ends prove (HMAC-SHA256 over fresh nonces) without sending it.</summary>
    public required byte[] SharedSecret { get; init; }

    /// <summary>How often each side sends a heartbeat frame.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The link is declared down when nothing arrived for this many heartbeat intervals.</summary>
    public int MissedHeartbeats { get; init; } = 5;

    /// <summary>Longest a handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Random spread of each reconnect delay (0.2 = ±20 %), so nodes do not redial in lockstep.</summary>
    public double ReconnectJitter { get; init; } = 0.2;

    /// <summary>Largest frame sent or accepted; larger messages go to dead letters, larger incoming frames close the link.</summary>
    public int MaxFrameSize { get; init; } = LinkNetlink.DefaultMaxFrameSize;

    /// <summary>Most frames written before one flush (batching: many frames per write).</summary>
    public int MaxBatchFrames { get; init; } = 512;

    /// <summary>Most bytes written before one flush.</summary>
    public int MaxBatchBytes { get; init; } = 256 * 1024;

    /// <summary>Messages held for a peer while its first connection is being made; beyond that they go to dead letters.</summary>
    public int PendingLimit { get; init; } = 100_000;

    /// <summary>The closed set of message types that may cross a link.</summary>
    public RemoteMessageRegistry Registry { get; init; } = RemoteMessageRegistry.Default;

    /// <summary>Seed of the reconnect jitter (tests fix it; null: random).</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(ClusterName))
        {
            throw new ArgumentException("ClusterName must not be empty");
        }

        if (SharedSecret is null || SharedSecret.Length < 16)
        {
            throw new ArgumentException("SharedSecret must hold at least 16 bytes");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || MissedHeartbeats < 1)
        {
            throw new ArgumentException("HeartbeatInterval must be positive and MissedHeartbeats at least 1");
        }

        if (MaxFrameSize < LinkNetlink.MaxHandshakeFrame)
        {
            throw new ArgumentException($"MaxFrameSize must be at least {LinkNetlink.MaxHandshakeFrame} bytes");
        }

        if (ReconnectMin <= TimeSpan.Zero || ReconnectMax < ReconnectMin)
        {
            throw new ArgumentException("ReconnectMin must be positive and not above ReconnectMax");
        }
    }
}
