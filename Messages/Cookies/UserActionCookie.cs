using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

#pragma warning disable CA1028 // enum storage types follow the cookie field widths

namespace VSwarm.Messages.Cookies;

/// <summary>user_action_cookie type (the u16 at offset 0).</summary>
public enum CookieType : ushort
{
    /// <summary>Unspecified (never valid on receipt).</summary>
    Unspec = 0,

    /// <summary>sFlow sample.</summary>
    Sflow = 1,

    /// <summary>Slow-path flow: every packet goes to userspace.</summary>
    SlowPath = 2,

    /// <summary>Flow-based (OpenFlow sample action) sample.</summary>
    FlowSample = 3,

    /// <summary>Per-bridge IPFIX sample.</summary>
    Ipfix = 4,

    /// <summary>Send to controller.</summary>
    Controller = 5,
}

/// <summary>Slow-path reason bits (OVS's enum slow_path_reason).</summary>
[Flags]
public enum SlowPathReasons : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>CFM packets.</summary>
    Cfm = 1,

    /// <summary>BFD packets.</summary>
    Bfd = 2,

    /// <summary>LACP packets.</summary>
    Lacp = 4,

    /// <summary>STP packets.</summary>
    Stp = 8,

    /// <summary>LLDP packets.</summary>
    Lldp = 16,

    /// <summary>Actions too complex for the datapath.</summary>
    Action = 32,

    /// <summary>Datapath cannot match the flow (fitness TOO_LITTLE).</summary>
    Match = 64,
}

/// <summary>Direction of a flow sample.</summary>
public enum FlowSampleDirection : uint
{
    /// <summary>Not specified.</summary>
    Default = 0,

    /// <summary>Ingress sample.</summary>
    Ingress = 1,

    /// <summary>Egress sample.</summary>
    Egress = 2,
}

/// <summary>VSwarm flags word of an sFlow cookie (extension, bytes 40..43).</summary>
[Flags]
public enum SflowCookieFlags : uint
{
    /// <summary>Per-bridge (per-port) sampling, as OVS.</summary>
    None = 0,

    /// <summary>The sample comes from a per-flow sampler keyed by <see cref="SflowCookie.RuleCookie"/>.</summary>
    PerFlow = 1,

    /// <summary>
    /// With <see cref="PerFlow"/>: the sample action came from an OpenFlow <c>sample(…)</c> action
    /// of that rule (not from an <c>sflow.flows</c> selector); <see cref="SflowCookie.SamplingRate"/>
    /// carries its rate, 65535 / probability.
    /// </summary>
    OfSample = 2,
}

/// <summary>
/// OVS's user_action_cookie, the 48-byte USERDATA of a userspace action:
/// <code>
/// off size field
///  0   2   type (u16)
///  2   2   padding (zero)
///  4   4   ofp_in_port (u32, OpenFlow port; 0xffff = none)
///  8  16   ofproto UUID, as OVS's struct uuid: four u32 words, word i = bytes 4i..4i+3 of the
///          UUID's text order (RFC 4122 big-endian bytes)
/// 24  24   per-type union (see the derived records)
/// </code>
/// Byte order: OVS writes the cookie in native order; VSwarm defines it as little-endian (x86
/// native) for every integer field except those OVS declares big-endian (sFlow vlan_tci, the
/// controller rule cookie, and VSwarm's sFlow rule cookie).
/// Decoding: a length other than 48, or an unknown type, is a BAD cookie (the upcall is
/// discarded): <see cref="TryDecode"/> returns false and never throws.
/// </summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">UUID of the bridge (ofproto).</param>
public abstract record UserActionCookie(uint OfpInPort, Guid Ofproto)
{
    /// <summary>Size of every cookie.</summary>
    public const int Size = 48;

    /// <summary>Offset of the per-type union.</summary>
    public const int UnionOffset = 24;

    /// <summary>ofp_in_port meaning "none".</summary>
    public const uint PortNone = 0xffff;

    /// <summary>The cookie type.</summary>
    public abstract CookieType Type { get; }

    /// <summary>The 48 bytes.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Write(b);
        return b;
    }

    /// <summary>Writes the 48 bytes into <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        var d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)Type);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], OfpInPort);
        WriteUuid(d[8..24], Ofproto);
        WriteUnion(d[UnionOffset..]);
    }

    /// <summary>Decodes a cookie; false (BAD) for a length other than 48 or an unknown type.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out UserActionCookie? cookie)
    {
        cookie = null;
        if (bytes.Length != Size)
        {
            return false;
        }

        var type = (CookieType)BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        var inPort = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        var uuid = ReadUuid(bytes[8..24]);
        var u = bytes[UnionOffset..];
        cookie = type switch
        {
            CookieType.Sflow => new SflowCookie(inPort, uuid, BinaryPrimitives.ReadUInt16BigEndian(u), U32(u, 4),
                BinaryPrimitives.ReadUInt64BigEndian(u[8..]), (SflowCookieFlags)U32(u, 16), U32(u, 20)),
            CookieType.SlowPath => new SlowPathCookie(inPort, uuid, (SlowPathReasons)U32(u, 4)),
            CookieType.FlowSample => new FlowSampleCookie(inPort, uuid, BinaryPrimitives.ReadUInt16LittleEndian(u),
                U32(u, 4), U32(u, 8), U32(u, 12), U32(u, 16), (FlowSampleDirection)U32(u, 20)),
            CookieType.Ipfix => new IpfixCookie(inPort, uuid, U32(u, 0)),
            CookieType.Controller => new ControllerCookie(inPort, uuid, u[0] != 0, u[1] != 0,
                BinaryPrimitives.ReadUInt16LittleEndian(u[2..]), U32(u, 4), BinaryPrimitives.ReadUInt64BigEndian(u[8..]),
                BinaryPrimitives.ReadUInt16LittleEndian(u[16..]), BinaryPrimitives.ReadUInt16LittleEndian(u[18..])),
            _ => null,
        };
        return cookie is not null;
    }

    /// <summary>Writes the 24-byte union (already zeroed).</summary>
    protected abstract void WriteUnion(Span<byte> u);

    /// <summary>Writes a little-endian u32 into the union.</summary>
    protected static void PutU32(Span<byte> u, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(u[at..], v);

    private static uint U32(ReadOnlySpan<byte> u, int at) => BinaryPrimitives.ReadUInt32LittleEndian(u[at..]);

    private static void WriteUuid(Span<byte> d, Guid g)
    {
        Span<byte> be = stackalloc byte[16];
        g.TryWriteBytes(be, bigEndian: true, out _);
        for (var i = 0; i < 16; i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(d[i..], BinaryPrimitives.ReadUInt32BigEndian(be[i..]));
        }
    }

    private static Guid ReadUuid(ReadOnlySpan<byte> s)
    {
        Span<byte> be = stackalloc byte[16];
        for (var i = 0; i < 16; i += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(be[i..], BinaryPrimitives.ReadUInt32LittleEndian(s[i..]));
        }

        return new Guid(be, bigEndian: true);
    }
}

/// <summary>
/// SFLOW cookie. Union: +0 vlan_tci (be16), +2 pad, +4 output (u32, sFlow output encoding).
/// <para><b>VSwarm extension</b> (OVS leaves these union bytes unused and ignores them):
/// +8..+15 (cookie bytes 32..39) carry the 64-bit OpenFlow rule cookie, big-endian like the
/// CONTROLLER cookie's rule_cookie, and +16..+19 (bytes 40..43) a u32 flags word (bit 0 =
/// <see cref="SflowCookieFlags.PerFlow"/>), so that an sFlow upcall can be routed to the sampler of
/// that rule (<c>sflow/flow-&lt;cookie&gt;</c>), and +20..+23 (bytes 44..47) a u32 sampling rate
/// (0 = the sampler's configured rate; set for OpenFlow <c>sample(…)</c> actions, whose rate only
/// translation knows).</para>
/// </summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">Bridge UUID.</param>
/// <param name="VlanTci">VLAN TCI of the sampled packet.</param>
/// <param name="Output">sFlow output encoding (ifindex, 0x80000000|n for n ports, 0x40000000|reason for drops).</param>
/// <param name="RuleCookie">VSwarm extension: OpenFlow rule cookie of a per-flow sampler.</param>
/// <param name="Flags">VSwarm extension: flags.</param>
/// <param name="SamplingRate">VSwarm extension: the sample action's 1-in-N rate, 0 when the sampler's own applies.</param>
public sealed record SflowCookie(uint OfpInPort, Guid Ofproto, ushort VlanTci, uint Output, ulong RuleCookie = 0, SflowCookieFlags Flags = SflowCookieFlags.None,
    uint SamplingRate = 0)
    : UserActionCookie(OfpInPort, Ofproto)
{
    /// <inheritdoc/>
    public override CookieType Type => CookieType.Sflow;

    /// <summary>VLAN id.</summary>
    public int Vid => VlanTci & 0xfff;

    /// <summary>VLAN priority.</summary>
    public int Pcp => VlanTci >> 13;

    /// <inheritdoc/>
    protected override void WriteUnion(Span<byte> u)
    {
        BinaryPrimitives.WriteUInt16BigEndian(u, VlanTci);
        PutU32(u, 4, Output);
        BinaryPrimitives.WriteUInt64BigEndian(u[8..], RuleCookie);
        PutU32(u, 16, (uint)Flags);
        PutU32(u, 20, SamplingRate);
    }
}

/// <summary>SLOW_PATH cookie. Union: +0 unused u16, +2 pad, +4 reason bits (u32).</summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">Bridge UUID.</param>
/// <param name="Reasons">Why the flow is slow-pathed.</param>
public sealed record SlowPathCookie(uint OfpInPort, Guid Ofproto, SlowPathReasons Reasons) : UserActionCookie(OfpInPort, Ofproto)
{
    /// <inheritdoc/>
    public override CookieType Type => CookieType.SlowPath;

    /// <inheritdoc/>
    protected override void WriteUnion(Span<byte> u) => PutU32(u, 4, (uint)Reasons);
}

/// <summary>
/// FLOW_SAMPLE cookie. Union: +0 probability (u16, out of 65535), +2 pad, +4 collector_set_id,
/// +8 obs_domain_id, +12 obs_point_id, +16 output_odp_port (0xFFFFFFFF = none/ingress), +20
/// direction (u32). The union is full, so unlike <see cref="SflowCookie"/> there is no room for
/// an OpenFlow rule cookie: flow samples identify their rule through obs_domain_id/obs_point_id.
/// </summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">Bridge UUID.</param>
/// <param name="Probability">Sampling probability out of 65535.</param>
/// <param name="CollectorSetId">IPFIX collector set.</param>
/// <param name="ObsDomainId">Observation domain id.</param>
/// <param name="ObsPointId">Observation point id.</param>
/// <param name="OutputOdpPort">Output datapath port, 0xFFFFFFFF for none (ingress sample).</param>
/// <param name="Direction">Sample direction.</param>
public sealed record FlowSampleCookie(uint OfpInPort, Guid Ofproto, ushort Probability, uint CollectorSetId, uint ObsDomainId,
    uint ObsPointId, uint OutputOdpPort, FlowSampleDirection Direction) : UserActionCookie(OfpInPort, Ofproto)
{
    /// <summary>output_odp_port meaning "none": an ingress sample.</summary>
    public const uint OdpPortNone = 0xFFFFFFFF;

    /// <inheritdoc/>
    public override CookieType Type => CookieType.FlowSample;

    /// <summary>True for an ingress sample (no output port).</summary>
    public bool IsIngress => OutputOdpPort == OdpPortNone;

    /// <inheritdoc/>
    protected override void WriteUnion(Span<byte> u)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(u, Probability);
        PutU32(u, 4, CollectorSetId);
        PutU32(u, 8, ObsDomainId);
        PutU32(u, 12, ObsPointId);
        PutU32(u, 16, OutputOdpPort);
        PutU32(u, 20, (uint)Direction);
    }
}

/// <summary>IPFIX (per-bridge) cookie. Union: +0 output_odp_port (0xFFFFFFFF = input sampling).</summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">Bridge UUID.</param>
/// <param name="OutputOdpPort">Output datapath port or 0xFFFFFFFF.</param>
public sealed record IpfixCookie(uint OfpInPort, Guid Ofproto, uint OutputOdpPort) : UserActionCookie(OfpInPort, Ofproto)
{
    /// <inheritdoc/>
    public override CookieType Type => CookieType.Ipfix;

    /// <inheritdoc/>
    protected override void WriteUnion(Span<byte> u) => PutU32(u, 0, OutputOdpPort);
}

/// <summary>
/// CONTROLLER cookie. Union: +0 dont_send u8, +1 continuation u8, +2 reason u16, +4 recirc_id
/// u32, +8 rule_cookie (be64), +16 controller_id u16, +18 max_len u16.
/// </summary>
/// <param name="OfpInPort">OpenFlow input port.</param>
/// <param name="Ofproto">Bridge UUID.</param>
/// <param name="DontSend">Do not send a packet-in (only run side effects).</param>
/// <param name="Continuation">Packet-in carries a continuation.</param>
/// <param name="Reason">OpenFlow packet-in reason.</param>
/// <param name="RecircId">Recirculation id for continuations.</param>
/// <param name="RuleCookie">OpenFlow rule cookie.</param>
/// <param name="ControllerId">Controller id.</param>
/// <param name="MaxLen">Bytes of packet to send.</param>
public sealed record ControllerCookie(uint OfpInPort, Guid Ofproto, bool DontSend, bool Continuation, ushort Reason, uint RecircId,
    ulong RuleCookie, ushort ControllerId, ushort MaxLen) : UserActionCookie(OfpInPort, Ofproto)
{
    /// <inheritdoc/>
    public override CookieType Type => CookieType.Controller;

    /// <inheritdoc/>
    protected override void WriteUnion(Span<byte> u)
    {
        u[0] = DontSend ? (byte)1 : (byte)0;
        u[1] = Continuation ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(u[2..], Reason);
        PutU32(u, 4, RecircId);
        BinaryPrimitives.WriteUInt64BigEndian(u[8..], RuleCookie);
        BinaryPrimitives.WriteUInt16LittleEndian(u[16..], ControllerId);
        BinaryPrimitives.WriteUInt16LittleEndian(u[18..], MaxLen);
    }
}
