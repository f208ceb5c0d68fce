using VSwarm.Messages.Netlink;

#pragma warning disable CA1028 // enum storage types follow the netlink field widths
#pragma warning disable CA1008 // zero is OVS's "unspec" value and named so where it exists

namespace VSwarm.Messages.Datapath;

/// <summary>OVS_KEY_ATTR_* (include/linux/openvswitch.h).</summary>
public enum OvsKeyAttr : ushort
{
    /// <summary>OVS_KEY_ATTR_UNSPEC.</summary>
    Unspec = 0,

    /// <summary>Nested attributes inside a VLAN tag.</summary>
    Encap = 1,

    /// <summary>u32 skb priority.</summary>
    Priority = 2,

    /// <summary>u32 datapath port.</summary>
    InPort = 3,

    /// <summary>12 bytes: eth_src[6], eth_dst[6].</summary>
    Ethernet = 4,

    /// <summary>be16 TCI (CFI set = tag present).</summary>
    Vlan = 5,

    /// <summary>be16 Ethertype.</summary>
    Ethertype = 6,

    /// <summary>12 bytes: src, dst, proto, tos, ttl, frag.</summary>
    Ipv4 = 7,

    /// <summary>40 bytes: src[16], dst[16], label be32, proto, tclass, hlimit, frag.</summary>
    Ipv6 = 8,

    /// <summary>4 bytes: src be16, dst be16.</summary>
    Tcp = 9,

    /// <summary>4 bytes: src be16, dst be16.</summary>
    Udp = 10,

    /// <summary>2 bytes: type, code.</summary>
    Icmp = 11,

    /// <summary>2 bytes: type, code.</summary>
    Icmpv6 = 12,

    /// <summary>24 bytes: sip, tip, op be16, sha[6], tha[6], pad 2.</summary>
    Arp = 13,

    /// <summary>28 bytes: target[16], sll[6], tll[6].</summary>
    Nd = 14,

    /// <summary>u32 skb mark.</summary>
    SkbMark = 15,

    /// <summary>Nested OVS_TUNNEL_KEY_ATTR_*.</summary>
    Tunnel = 16,

    /// <summary>4 bytes: src be16, dst be16.</summary>
    Sctp = 17,

    /// <summary>be16 TCP flags.</summary>
    TcpFlags = 18,

    /// <summary>u32 datapath hash.</summary>
    DpHash = 19,

    /// <summary>u32 recirculation id.</summary>
    RecircId = 20,

    /// <summary>n × be32 MPLS label stack entries.</summary>
    Mpls = 21,

    /// <summary>u32 conntrack state bits.</summary>
    CtState = 22,

    /// <summary>u16 conntrack zone.</summary>
    CtZone = 23,

    /// <summary>u32 conntrack mark.</summary>
    CtMark = 24,

    /// <summary>16 bytes conntrack labels.</summary>
    CtLabels = 25,

    /// <summary>16 bytes IPv4 conntrack original tuple.</summary>
    CtOrigTupleIpv4 = 26,

    /// <summary>40 bytes IPv6 conntrack original tuple.</summary>
    CtOrigTupleIpv6 = 27,

    /// <summary>Nested NSH attributes.</summary>
    Nsh = 28,

    /// <summary>be32 packet type (userspace datapath only).</summary>
    PacketType = 29,

    /// <summary>8 bytes ND extensions (userspace only).</summary>
    NdExtensions = 30,

    /// <summary>Kernel-internal tunnel info; never on the wire.</summary>
    TunnelInfo = 31,
}

/// <summary>OVS_ACTION_ATTR_*.</summary>
public enum OvsActionAttr : ushort
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>u32 port.</summary>
    Output = 1,

    /// <summary>Nested OVS_USERSPACE_ATTR_*.</summary>
    Userspace = 2,

    /// <summary>One nested key attribute.</summary>
    Set = 3,

    /// <summary>{tpid be16, tci be16}.</summary>
    PushVlan = 4,

    /// <summary>No payload.</summary>
    PopVlan = 5,

    /// <summary>Nested OVS_SAMPLE_ATTR_*.</summary>
    Sample = 6,

    /// <summary>u32 recirc id.</summary>
    Recirc = 7,

    /// <summary>{alg u32, basis u32}.</summary>
    Hash = 8,

    /// <summary>{lse be32, ethertype be16}.</summary>
    PushMpls = 9,

    /// <summary>be16 ethertype.</summary>
    PopMpls = 10,

    /// <summary>One nested key attribute with value‖mask.</summary>
    SetMasked = 11,

    /// <summary>Nested conntrack attributes.</summary>
    Ct = 12,

    /// <summary>u32 max length.</summary>
    Trunc = 13,

    /// <summary>12-byte addresses.</summary>
    PushEth = 14,

    /// <summary>No payload.</summary>
    PopEth = 15,

    /// <summary>No payload.</summary>
    CtClear = 16,

    /// <summary>Nested NSH.</summary>
    PushNsh = 17,

    /// <summary>No payload.</summary>
    PopNsh = 18,

    /// <summary>u32 meter id.</summary>
    Meter = 19,

    /// <summary>Nested actions.</summary>
    Clone = 20,

    /// <summary>Nested check_pkt_len.</summary>
    CheckPktLen = 21,

    /// <summary>{lse, ethertype, tun_flags}.</summary>
    AddMpls = 22,

    /// <summary>Nested dec_ttl.</summary>
    DecTtl = 23,

    /// <summary>u32 explicit drop reason.</summary>
    Drop = 24,

    /// <summary>Nested psample.</summary>
    Psample = 25,
}

/// <summary>OVS_SAMPLE_ATTR_*.</summary>
public enum OvsSampleAttr : ushort
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>u32 probability (0xFFFFFFFF = always).</summary>
    Probability = 1,

    /// <summary>Nested actions.</summary>
    Actions = 2,
}

/// <summary>OVS_USERSPACE_ATTR_*.</summary>
public enum OvsUserspaceAttr : ushort
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>u32 netlink PID (required).</summary>
    Pid = 1,

    /// <summary>Opaque bytes copied into the upcall.</summary>
    Userdata = 2,

    /// <summary>u32 egress tunnel port.</summary>
    EgressTunPort = 3,

    /// <summary>Flag: include the flow's actions.</summary>
    Actions = 4,
}

/// <summary>OVS_PACKET_ATTR_* (ids ≥ 100 are VSwarm extensions, see <see cref="VSwarmUfid"/>).</summary>
public enum OvsPacketAttr : ushort
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>Frame bytes.</summary>
    Packet = 1,

    /// <summary>Nested key attributes.</summary>
    Key = 2,

    /// <summary>Nested actions.</summary>
    Actions = 3,

    /// <summary>Userdata of the userspace action.</summary>
    Userdata = 4,

    /// <summary>Nested egress tunnel key.</summary>
    EgressTunKey = 5,

    /// <summary>Unused.</summary>
    Unused1 = 6,

    /// <summary>Unused.</summary>
    Unused2 = 7,

    /// <summary>Flag: suppress error logs.</summary>
    Probe = 8,

    /// <summary>u16 maximum received unit.</summary>
    Mru = 9,

    /// <summary>u32 length before truncation.</summary>
    Len = 10,

    /// <summary>u64 packet hash.</summary>
    Hash = 11,

    /// <summary>u32 upcall PID override for EXECUTE.</summary>
    UpcallPid = 12,

    /// <summary>
    /// VSwarm extension: 16-byte UFID of an upcall. The kernel has no such attribute (OVS computes
    /// the UFID in userspace; dpif-netdev passes it in-process); VSwarm carries it so handler
    /// actors need not recompute it.
    /// </summary>
    VSwarmUfid = 100,
}

/// <summary>OVS_FLOW_ATTR_* (ids ≥ 100 are VSwarm extensions for dump cursors).</summary>
public enum OvsFlowAttr : ushort
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>Nested key attributes.</summary>
    Key = 1,

    /// <summary>Nested actions (empty = drop).</summary>
    Actions = 2,

    /// <summary>{n_packets u64, n_bytes u64}.</summary>
    Stats = 3,

    /// <summary>u8 OR of TCP flags seen.</summary>
    TcpFlags = 4,

    /// <summary>u64 ms of last use.</summary>
    Used = 5,

    /// <summary>Flag: clear stats on SET.</summary>
    Clear = 6,

    /// <summary>Nested key attributes used as a mask.</summary>
    Mask = 7,

    /// <summary>Flag: suppress error logs.</summary>
    Probe = 8,

    /// <summary>1–16 bytes UFID.</summary>
    Ufid = 9,

    /// <summary>u32 OMIT_KEY 1, OMIT_MASK 2, OMIT_ACTIONS 4.</summary>
    UfidFlags = 10,

    /// <summary>Padding.</summary>
    Pad = 11,

    /// <summary>VSwarm extension: u64 dump cursor (0 = start) of a dump request or batch end.</summary>
    VSwarmDumpCursor = 100,

    /// <summary>VSwarm extension: u32 maximum flows per dump batch.</summary>
    VSwarmDumpMax = 101,
}

/// <summary>OVS_FLOW_CMD_*.</summary>
public enum OvsFlowCmd : byte
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>Create (or create-or-modify).</summary>
    New = 1,

    /// <summary>Delete.</summary>
    Del = 2,

    /// <summary>Get or dump.</summary>
    Get = 3,

    /// <summary>Modify.</summary>
    Set = 4,
}

/// <summary>OVS_PACKET_CMD_*.</summary>
public enum OvsPacketCmd : byte
{
    /// <summary>Unspec.</summary>
    Unspec = 0,

    /// <summary>Kernel → user: flow table miss.</summary>
    Miss = 1,

    /// <summary>Kernel → user: userspace action.</summary>
    Action = 2,

    /// <summary>User → kernel: execute actions on a packet.</summary>
    Execute = 3,
}

/// <summary>OVS_UFID_F_* flags of OVS_FLOW_ATTR_UFID_FLAGS.</summary>
[Flags]
public enum OvsUfidFlags : uint
{
    /// <summary>Nothing omitted.</summary>
    None = 0,

    /// <summary>Omit the key in replies.</summary>
    OmitKey = 1,

    /// <summary>Omit the mask in replies.</summary>
    OmitMask = 2,

    /// <summary>Omit the actions in replies.</summary>
    OmitActions = 4,

    /// <summary>Terse: omit all three.</summary>
    OmitAll = OmitKey | OmitMask | OmitActions,
}

/// <summary>
/// Generic netlink families of OVS with their versions. Real ids are assigned by the kernel at
/// family registration and resolved through genl CTRL; VSwarm has no kernel, so it fixes them as
/// constants (0x20..0x25, above the netlink control range and GENL_ID_CTRL 0x10).
/// </summary>
public static class OvsFamily
{
    /// <summary>ovs_datapath family id (VSwarm constant).</summary>
    public const ushort DatapathId = 0x20;

    /// <summary>ovs_vport family id (VSwarm constant).</summary>
    public const ushort VportId = 0x21;

    /// <summary>ovs_flow family id (VSwarm constant).</summary>
    public const ushort FlowId = 0x22;

    /// <summary>ovs_packet family id (VSwarm constant).</summary>
    public const ushort PacketId = 0x23;

    /// <summary>ovs_meter family id (VSwarm constant).</summary>
    public const ushort MeterId = 0x24;

    /// <summary>ovs_ct_limit family id (VSwarm constant).</summary>
    public const ushort CtLimitId = 0x25;

    /// <summary>Family name.</summary>
    public const string DatapathName = "ovs_datapath";

    /// <summary>Family name.</summary>
    public const string VportName = "ovs_vport";

    /// <summary>Family name.</summary>
    public const string FlowName = "ovs_flow";

    /// <summary>Family name.</summary>
    public const string PacketName = "ovs_packet";

    /// <summary>OVS_DATAPATH_VERSION.</summary>
    public const byte DatapathVersion = 2;

    /// <summary>OVS_VPORT_VERSION.</summary>
    public const byte VportVersion = 1;

    /// <summary>OVS_FLOW_VERSION.</summary>
    public const byte FlowVersion = 1;

    /// <summary>OVS_PACKET_VERSION.</summary>
    public const byte PacketVersion = 1;
}

/// <summary>Attribute spaces used for decode error messages.</summary>
public static class OvsSpaces
{
    /// <summary>OVS_KEY_ATTR_*.</summary>
    public static readonly NlAttrSpace Key = Of<OvsKeyAttr>("OVS_KEY_ATTR_");

    /// <summary>OVS_ACTION_ATTR_*.</summary>
    public static readonly NlAttrSpace Action = Of<OvsActionAttr>("OVS_ACTION_ATTR_");

    /// <summary>OVS_SAMPLE_ATTR_*.</summary>
    public static readonly NlAttrSpace Sample = Of<OvsSampleAttr>("OVS_SAMPLE_ATTR_");

    /// <summary>OVS_USERSPACE_ATTR_*.</summary>
    public static readonly NlAttrSpace Userspace = Of<OvsUserspaceAttr>("OVS_USERSPACE_ATTR_");

    /// <summary>OVS_PACKET_ATTR_*.</summary>
    public static readonly NlAttrSpace Packet = Of<OvsPacketAttr>("OVS_PACKET_ATTR_");

    /// <summary>OVS_FLOW_ATTR_*.</summary>
    public static readonly NlAttrSpace Flow = Of<OvsFlowAttr>("OVS_FLOW_ATTR_");

    /// <summary>Attributes nobody decodes (tunnel, NSH...): numbered only.</summary>
    public static readonly NlAttrSpace Opaque = new("OVS_NESTED_", _ => null);

    private static NlAttrSpace Of<T>(string prefix)
        where T : struct, Enum =>
        new(prefix, id => id is >= 0 and <= ushort.MaxValue && Enum.IsDefined(typeof(T), (ushort)id)
            ? ToUpperSnake(Enum.GetName(typeof(T), (ushort)id)!) : null);

    private static string ToUpperSnake(string pascal)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(pascal[i - 1]))
            {
                sb.Append('_');
            }

            sb.Append(char.ToUpperInvariant(c));
        }

        return sb.ToString();
    }
}
