namespace VSwarm.Cluster.Remoting.Wire;

/// <summary>
/// VSwarm's own netlink "family" for node links: the nlmsg types of link frames and the attribute
/// ids inside them. Types sit well above <c>NLMSG_MIN_TYPE</c> (0x10) and away from the OVS
/// generic-netlink family ids the dpif payloads use, so a link frame is never mistaken for a dpif
/// message. Integers are little-endian (host order), as in the dpif encoding.
/// </summary>
public static class LinkNetlink
{
    /// <summary>Protocol version carried in the handshake; a peer with another version is refused.</summary>
    public const ushort ProtocolVersion = 1;

    /// <summary>nlmsg type: dialer's opening frame (version, cluster, from, to, nonce).</summary>
    public const ushort TypeHello = 0x7601;

    /// <summary>nlmsg type: acceptor's answer to Hello (from, nonce, proof of the secret).</summary>
    public const ushort TypeChallenge = 0x7602;

    /// <summary>nlmsg type: dialer's proof of the secret.</summary>
    public const ushort TypeAuth = 0x7603;

    /// <summary>nlmsg type: acceptor accepted the dialer; the link is up.</summary>
    public const ushort TypeReady = 0x7604;

    /// <summary>nlmsg type: the handshake (or the link) is refused; carries a reason; the sender closes.</summary>
    public const ushort TypeRefuse = 0x7605;

    /// <summary>nlmsg type: heartbeat (sent every interval by both sides; any frame counts as a sign of life).</summary>
    public const ushort TypeHeartbeat = 0x7606;

    /// <summary>nlmsg type: a message for an actor (target, sender, type id, payload).</summary>
    public const ushort TypeEnvelope = 0x7610;

    /// <summary>nlmsg type: a remote DeathWatch starts (watchee path on the receiver, watcher path on the sender).</summary>
    public const ushort TypeWatch = 0x7611;

    /// <summary>nlmsg type: a remote DeathWatch ends (same attributes as WATCH).</summary>
    public const ushort TypeUnwatch = 0x7612;

    /// <summary>nlmsg type: a watched actor stopped (actor path, watcher path, existence-confirmed flag).</summary>
    public const ushort TypeDeathWatchNotification = 0x7613;

    /// <summary>Watch attribute: the watched actor's path (<c>vswarm://</c>, on the node receiving WATCH).</summary>
    public const ushort AttrWatchee = 1;

    /// <summary>Watch attribute: the watching actor's path (<c>vswarm://</c>, on the node sending WATCH).</summary>
    public const ushort AttrWatcher = 2;

    /// <summary>DEATHWATCH_NOTIFICATION attribute: flag (no payload), present when the actor was known to exist.</summary>
    public const ushort AttrExistenceConfirmed = 3;

    /// <summary>Handshake attribute: protocol version (u16).</summary>
    public const ushort AttrVersion = 1;

    /// <summary>Handshake attribute: cluster name (NUL-terminated string).</summary>
    public const ushort AttrCluster = 2;

    /// <summary>Handshake attribute: the sending node's name.</summary>
    public const ushort AttrFrom = 3;

    /// <summary>Handshake attribute: the node the dialer means to reach.</summary>
    public const ushort AttrTo = 4;

    /// <summary>Handshake attribute: a 16-byte random nonce.</summary>
    public const ushort AttrNonce = 5;

    /// <summary>Handshake attribute: HMAC-SHA256 proof of the shared secret (32 bytes).</summary>
    public const ushort AttrProof = 6;

    /// <summary>Refuse attribute: human-readable reason.</summary>
    public const ushort AttrReason = 7;

    /// <summary>Envelope attribute: target actor path (<c>vswarm://node/user/...</c>).</summary>
    public const ushort AttrTarget = 1;

    /// <summary>Envelope attribute: sender actor path (absent: no sender).</summary>
    public const ushort AttrSender = 2;

    /// <summary>Envelope attribute: message type id from the closed registry (u16).</summary>
    public const ushort AttrTypeId = 3;

    /// <summary>
    /// Envelope attribute: the message's own netlink encoding. Netlink attributes hold at most
    /// 65 531 payload bytes, so a larger payload is cut into consecutive PAYLOAD attributes that
    /// concatenate in order.
    /// </summary>
    public const ushort AttrPayload = 4;

    /// <summary>Largest payload one attribute carries (65 535 minus the 4-byte header).</summary>
    public const int MaxAttrPayload = ushort.MaxValue - 4;

    /// <summary>Largest actor path accepted on the wire, in UTF-8 bytes.</summary>
    public const int MaxPathBytes = 2048;

    /// <summary>Length of handshake nonces.</summary>
    public const int NonceLength = 16;

    /// <summary>Length of HMAC-SHA256 proofs.</summary>
    public const int ProofLength = 32;

    /// <summary>Largest handshake frame accepted before the peer is authenticated.</summary>
    public const int MaxHandshakeFrame = 4096;

    /// <summary>Default frame size limit (1 MiB), configurable per link.</summary>
    public const int DefaultMaxFrameSize = 1 << 20;

    /// <summary>Name of a frame type, for errors and logs.</summary>
    public static string TypeName(ushort type) => type switch
    {
        TypeHello => "HELLO",
        TypeChallenge => "CHALLENGE",
        TypeAuth => "AUTH",
        TypeReady => "READY",
        TypeRefuse => "REFUSE",
        TypeHeartbeat => "HEARTBEAT",
        TypeEnvelope => "ENVELOPE",
        TypeWatch => "WATCH",
        TypeUnwatch => "UNWATCH",
        TypeDeathWatchNotification => "DEATHWATCH_NOTIFICATION",
        _ => $"0x{type:x4}",
    };

    /// <summary>Name of an attribute in a frame of the given type (errors name the attribute).</summary>
    public static string AttrName(ushort frameType, int attr) => frameType switch
    {
        TypeEnvelope => attr switch
        {
            AttrTarget => "VS_ENV_TARGET",
            AttrSender => "VS_ENV_SENDER",
            AttrTypeId => "VS_ENV_TYPE_ID",
            AttrPayload => "VS_ENV_PAYLOAD",
            _ => $"VS_ENV_#{attr}",
        },
        TypeWatch or TypeUnwatch or TypeDeathWatchNotification => attr switch
        {
            AttrWatchee => "VS_WATCH_WATCHEE",
            AttrWatcher => "VS_WATCH_WATCHER",
            AttrExistenceConfirmed => "VS_WATCH_EXISTENCE_CONFIRMED",
            _ => $"VS_WATCH_#{attr}",
        },
        _ => attr switch
        {
            AttrVersion => "VS_LINK_VERSION",
            AttrCluster => "VS_LINK_CLUSTER",
            AttrFrom => "VS_LINK_FROM",
            AttrTo => "VS_LINK_TO",
            AttrNonce => "VS_LINK_NONCE",
            AttrProof => "VS_LINK_PROOF",
            AttrReason => "VS_LINK_REASON",
            _ => $"VS_LINK_#{attr}",
        },
    };
}
