namespace VSwarm.Messages.Netlink;

/// <summary>Sizes, flags and control message types of netlink and generic netlink framing.</summary>
public static class Nl
{
    /// <summary>struct nlmsghdr: len u32, type u16, flags u16, seq u32, pid u32.</summary>
    public const int MessageHeaderSize = 16;

    /// <summary>struct genlmsghdr: cmd u8, version u8, reserved u16.</summary>
    public const int GenlHeaderSize = 4;

    /// <summary>struct ovs_header: dp_ifindex i32.</summary>
    public const int OvsHeaderSize = 4;

    /// <summary>nlmsghdr + genlmsghdr + ovs_header.</summary>
    public const int OvsPreambleSize = MessageHeaderSize + GenlHeaderSize + OvsHeaderSize;

    /// <summary>struct nlattr: nla_len u16, nla_type u16.</summary>
    public const int AttributeHeaderSize = 4;

    /// <summary>Largest attribute, header included (nla_len is 16-bit).</summary>
    public const int MaxAttributeLength = ushort.MaxValue;

    /// <summary>nla_type flag: the payload is nested attributes.</summary>
    public const ushort FlagNested = 0x8000;

    /// <summary>nla_type flag: the payload is in network byte order.</summary>
    public const ushort FlagNetByteOrder = 0x4000;

    /// <summary>Mask of the type bits of nla_type.</summary>
    public const ushort TypeMask = 0x3fff;

    /// <summary>NLM_F_REQUEST.</summary>
    public const ushort FRequest = 0x1;

    /// <summary>NLM_F_MULTI: part of a multipart reply.</summary>
    public const ushort FMulti = 0x2;

    /// <summary>NLM_F_ACK.</summary>
    public const ushort FAck = 0x4;

    /// <summary>NLM_F_ECHO.</summary>
    public const ushort FEcho = 0x8;

    /// <summary>NLM_F_REPLACE (new-request modifier).</summary>
    public const ushort FReplace = 0x100;

    /// <summary>NLM_F_EXCL (new-request modifier).</summary>
    public const ushort FExcl = 0x200;

    /// <summary>NLM_F_CREATE (new-request modifier).</summary>
    public const ushort FCreate = 0x400;

    /// <summary>NLM_F_ROOT | NLM_F_MATCH: a dump request.</summary>
    public const ushort FDump = 0x300;

    /// <summary>NLMSG_NOOP.</summary>
    public const ushort TypeNoop = 1;

    /// <summary>NLMSG_ERROR (also the ACK when the error is 0).</summary>
    public const ushort TypeError = 2;

    /// <summary>NLMSG_DONE: end of a multipart reply.</summary>
    public const ushort TypeDone = 3;

    /// <summary>First type number that is not a control message.</summary>
    public const ushort MinType = 0x10;

    /// <summary>Rounds a length up to the netlink 4-byte alignment (NLA_ALIGN / NLMSG_ALIGN).</summary>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Bytes an attribute with a payload of <paramref name="payloadLength"/> occupies, padding included.</summary>
    public static int AttributeSize(int payloadLength) => AttributeHeaderSize + Align(payloadLength);
}

/// <summary>The fixed netlink message header (struct nlmsghdr), host byte order.</summary>
/// <param name="Length">nlmsg_len: whole message including this header.</param>
/// <param name="Type">nlmsg_type: a generic netlink family id or a control type.</param>
/// <param name="Flags">nlmsg_flags (NLM_F_*).</param>
/// <param name="Seq">nlmsg_seq.</param>
/// <param name="Pid">nlmsg_pid (port id of the sender).</param>
public readonly record struct NetlinkMessageHeader(uint Length, ushort Type, ushort Flags, uint Seq, uint Pid);

/// <summary>The generic netlink header (struct genlmsghdr).</summary>
/// <param name="Command">cmd.</param>
/// <param name="Version">version.</param>
public readonly record struct GenlHeader(byte Command, byte Version);
