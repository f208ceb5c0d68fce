using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Dpif;

/// <summary>
/// A dpif operation, upcall or reply. Every message encodes to one netlink message (nlmsghdr +
/// genlmsghdr + ovs_header + attributes; a dump batch to a multipart sequence) with the mapping
/// of dpif-netlink, and <see cref="DpifCodec.Decode(ReadOnlySpan{byte})"/> decodes it back.
/// Family ids are VSwarm constants (<see cref="OvsFamily"/>).
/// </summary>
public abstract record DpifMessage
{
    /// <summary>Appends the netlink encoding to <paramref name="writer"/>.</summary>
    public abstract void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0);

    /// <summary>The netlink encoding as a new array.</summary>
    public byte[] ToNetlink(uint seq = 0, uint pid = 0)
    {
        var w = new NetlinkWriter(256);
        Encode(w, seq, pid);
        return w.ToArray();
    }
}

/// <summary>Upcall type.</summary>
public enum DpifUpcallType
{
    /// <summary>Flow table miss (OVS_PACKET_CMD_MISS).</summary>
    Miss = 1,

    /// <summary>Userspace action (OVS_PACKET_CMD_ACTION).</summary>
    Action = 2,
}

/// <summary>How ofproto-dpif-upcall classifies an upcall (OVS's enum upcall_type).</summary>
public enum UpcallKind
{
    /// <summary>Discarded: ACTION upcall without a valid 48-byte cookie.</summary>
    Bad = 0,

    /// <summary>Flow table miss.</summary>
    Miss,

    /// <summary>Slow-path flow.</summary>
    SlowPath,

    /// <summary>sFlow sample.</summary>
    Sflow,

    /// <summary>Flow-based sample.</summary>
    FlowSample,

    /// <summary>Per-bridge IPFIX sample.</summary>
    Ipfix,

    /// <summary>Controller action.</summary>
    Controller,
}

/// <summary>
/// An upcall (OVS_PACKET_CMD_MISS / ACTION): the packet, the key the datapath extracted from it,
/// and for ACTION upcalls the userspace action's userdata (normally a cookie).
/// </summary>
/// <param name="Type">MISS or ACTION.</param>
/// <param name="Packet">Frame bytes.</param>
/// <param name="Key">The datapath's key of the packet (encoded with the attributes its headers imply; see <see cref="OdpKeyCodec.PacketMask"/>).</param>
/// <param name="Ufid">UFID (VSwarm extension attribute OVS_PACKET_ATTR 100).</param>
/// <param name="Userdata">USERDATA of the userspace action (ACTION only).</param>
/// <param name="Hash">Packet hash, when present.</param>
/// <param name="Mru">Maximum received unit of reassembled fragments, when present.</param>
/// <param name="Actions">The flow's actions, when the userspace action asked for them.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifUpcall(DpifUpcallType Type, ByteBlob Packet, FlowKey Key, Ufid? Ufid = null, ByteBlob? Userdata = null,
    ulong? Hash = null, ushort? Mru = null, DpActions? Actions = null, int DpIfIndex = 0) : DpifMessage
{
    /// <summary>The datapath input port (from the key).</summary>
    public uint InPort => Key.InPort;

    /// <summary>The decoded cookie (ACTION upcalls with a valid cookie), else null.</summary>
    public UserActionCookie? Cookie => Userdata is { } u && UserActionCookie.TryDecode(u.Span, out var c) ? c : null;

    /// <summary>
    /// Classification: MISS upcalls are <see cref="UpcallKind.Miss"/>; ACTION upcalls whose userdata
    /// is not exactly 48 bytes or has an unknown type are <see cref="UpcallKind.Bad"/> (discarded).
    /// </summary>
    public UpcallKind Kind => Type == DpifUpcallType.Miss ? UpcallKind.Miss : Cookie?.Type switch
    {
        CookieType.Sflow => UpcallKind.Sflow,
        CookieType.SlowPath => UpcallKind.SlowPath,
        CookieType.FlowSample => UpcallKind.FlowSample,
        CookieType.Ipfix => UpcallKind.Ipfix,
        CookieType.Controller => UpcallKind.Controller,
        _ => UpcallKind.Bad,
    };

    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeUpcall(writer, this, seq, pid);
}

/// <summary>dpif_flow_put flags.</summary>
[Flags]
public enum FlowPutFlags
{
    /// <summary>None (invalid for a put).</summary>
    None = 0,

    /// <summary>Create the flow if absent (else ENOENT).</summary>
    Create = 1,

    /// <summary>Replace the actions if present (else EEXIST).</summary>
    Modify = 2,

    /// <summary>Clear statistics on modify.</summary>
    ZeroStats = 4,

    /// <summary>Probe: suppress error logs.</summary>
    Probe = 8,
}

/// <summary>
/// dpif_flow_put → ovs_flow NEW (CREATE: NLM_F_CREATE; CREATE|MODIFY: NEW without NLM_F_CREATE) or
/// SET (MODIFY only), with UFID, KEY, MASK, ACTIONS, [CLEAR], [PROBE].
/// </summary>
/// <param name="Flags">At least one of CREATE and MODIFY.</param>
/// <param name="Match">Key and mask of the megaflow.</param>
/// <param name="Actions">Actions (empty = drop).</param>
/// <param name="Ufid">UFID.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifFlowPut(FlowPutFlags Flags, Match Match, DpActions Actions, Ufid? Ufid = null, int DpIfIndex = 0) : DpifMessage
{
    /// <summary>The flags, validated.</summary>
    public FlowPutFlags Flags { get; init; } = (Flags & (FlowPutFlags.Create | FlowPutFlags.Modify)) != 0
        ? Flags : throw new ArgumentException("a flow put needs CREATE or MODIFY", nameof(Flags));

    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeFlowPut(writer, this, seq, pid);
}

/// <summary>
/// dpif_flow_del → ovs_flow DEL: UFID if known; UFID_FLAGS omit-all when <see cref="Terse"/>; KEY
/// unless terse with a UFID. (So a terse delete with a UFID does not carry its key.)
/// </summary>
/// <param name="Key">The flow key (encoded in packet form), or null.</param>
/// <param name="Ufid">The UFID, or null.</param>
/// <param name="Terse">Ask for a terse reply.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifFlowDel(FlowKey? Key = null, Ufid? Ufid = null, bool Terse = false, int DpIfIndex = 0) : DpifMessage
{
    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeFlowDel(writer, this, seq, pid);
}

/// <summary>dpif_flow_get → ovs_flow GET by UFID and/or KEY.</summary>
/// <param name="Key">The flow key, or null.</param>
/// <param name="Ufid">The UFID, or null.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifFlowGet(FlowKey? Key = null, Ufid? Ufid = null, int DpIfIndex = 0) : DpifMessage
{
    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeFlowGet(writer, this, seq, pid);
}

/// <summary>
/// Flow dump request → ovs_flow GET with NLM_F_DUMP; UFID_FLAGS omit-all when terse. The cursor
/// and batch size are VSwarm extension attributes (OVS_FLOW_ATTR 100/101): real netlink keeps the
/// dump position in the socket, VSwarm's actors carry it in the message.
/// </summary>
/// <param name="Terse">Omit key, mask and actions (UFID-capable datapath).</param>
/// <param name="MaxBatch">Most flows per batch (0 = datapath default).</param>
/// <param name="Cursor">0 to start, else the <see cref="DpifFlowDumpBatch.NextCursor"/> of the previous batch.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifFlowDumpRequest(bool Terse = false, uint MaxBatch = 50, ulong Cursor = 0, int DpIfIndex = 0) : DpifMessage
{
    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeDumpRequest(writer, this, seq, pid);
}

/// <summary>
/// One batch of a flow dump → a multipart sequence: one ovs_flow message (NLM_F_MULTI) per flow,
/// then NLMSG_DONE when <see cref="Done"/>, else a VSwarm cursor message (ovs_flow, NLM_F_MULTI,
/// only OVS_FLOW_ATTR 100 = <see cref="NextCursor"/>).
/// </summary>
/// <param name="Flows">The flows of this batch (terse flows carry only UFID and stats).</param>
/// <param name="Done">True when the dump is complete.</param>
/// <param name="NextCursor">Where the next batch starts (0 when done).</param>
public sealed record DpifFlowDumpBatch(IReadOnlyList<DatapathFlow> Flows, bool Done, ulong NextCursor = 0) : DpifMessage
{
    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeDumpBatch(writer, this, seq, pid);

    /// <inheritdoc/>
    public bool Equals(DpifFlowDumpBatch? other) => other is not null && Done == other.Done && NextCursor == other.NextCursor
        && Flows.SequenceEqual(other.Flows);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Done, NextCursor, Flows.Count);
}

/// <summary>
/// dpif_execute → ovs_packet EXECUTE: PACKET, KEY (metadata: RECIRC_ID, IN_PORT), ACTIONS,
/// [PROBE], [MRU], [HASH], [UPCALL_PID]. Only recirc_id and in_port of <see cref="Metadata"/> are
/// kept (the datapath re-parses the headers).
/// </summary>
/// <param name="Packet">Frame bytes.</param>
/// <param name="Metadata">Packet metadata (recirc_id, in_port).</param>
/// <param name="Actions">Actions to execute.</param>
/// <param name="Probe">Suppress error logs.</param>
/// <param name="Mtu">MRU/MTU for fragmentation, when set.</param>
/// <param name="Hash">Packet hash, when set.</param>
/// <param name="UpcallPid">PID for upcalls caused by the actions, when set.</param>
/// <param name="DpIfIndex">ovs_header dp_ifindex.</param>
public sealed record DpifExecute(ByteBlob Packet, FlowKey Metadata, DpActions Actions, bool Probe = false, ushort? Mtu = null,
    ulong? Hash = null, uint? UpcallPid = null, int DpIfIndex = 0) : DpifMessage
{
    /// <summary>recirc_id and in_port of the packet; other fields are cleared.</summary>
    public FlowKey Metadata { get; init => field = OnlyMetadata(value); } = OnlyMetadata(Metadata);

    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeExecute(writer, this, seq, pid);

    private static FlowKey OnlyMetadata(in FlowKey k)
    {
        var m = default(FlowKey);
        m.RecircId = k.RecircId;
        m.InPort = k.InPort;
        return m;
    }
}

/// <summary>errno values the dpif layer reports.</summary>
public static class DpifErrno
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>No such flow.</summary>
    public const int ENOENT = 2;

    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;

    /// <summary>Flow exists.</summary>
    public const int EEXIST = 17;

    /// <summary>No such device.</summary>
    public const int ENODEV = 19;

    /// <summary>Invalid argument (e.g. key/mask inconsistency).</summary>
    public const int EINVAL = 22;

    /// <summary>Too large (flow table full / flow limit).</summary>
    public const int EFBIG = 27;

    /// <summary>No space.</summary>
    public const int ENOSPC = 28;

    /// <summary>Operation not supported.</summary>
    public const int EOPNOTSUPP = 95;
}

/// <summary>
/// Reply to a dpif operation. <c>Errno != 0</c> → NLMSG_ERROR with −errno; a reply carrying a flow
/// or statistics → ovs_flow NEW reply message (no NLM_F_REQUEST); otherwise an ACK (NLMSG_ERROR 0).
/// </summary>
/// <param name="Errno">0, or an errno (<see cref="DpifErrno"/>).</param>
/// <param name="Stats">Statistics (the pre-update stats of a put, the final stats of a delete).</param>
/// <param name="Flow">The flow (a get, or a put/delete echo); when set, its stats are the reply's.</param>
public sealed record DpifReply(int Errno = 0, FlowStats? Stats = null, DatapathFlow? Flow = null) : DpifMessage
{
    /// <summary>The errno, validated (0..4095).</summary>
    public int Errno { get; init; } = Errno is >= 0 and < 4096 ? Errno : throw new ArgumentOutOfRangeException(nameof(Errno));

    /// <summary>The statistics: <see cref="DatapathFlow.Stats"/> when a flow is given.</summary>
    public FlowStats? Stats { get; init; } = Flow?.Stats ?? Stats;

    /// <summary>True when the operation succeeded.</summary>
    public bool Ok => Errno == 0;

    /// <inheritdoc/>
    public override void Encode(NetlinkWriter writer, uint seq = 0, uint pid = 0) => DpifCodec.EncodeReply(writer, this, seq, pid);
}
