namespace VSwarm.Messages.Packets;

/// <summary>IPv6 extension headers that <see cref="PacketBuilder"/> may insert before the upper layer.</summary>
[Flags]
public enum Ipv6ExtensionHeaders
{
    /// <summary>No extension header (a fragment header is still added for fragments).</summary>
    None = 0,

    /// <summary>An 8-byte hop-by-hop options header (PadN).</summary>
    HopByHop = 1,

    /// <summary>An 8-byte destination options header (PadN), placed before the routing header.</summary>
    DestinationOptions = 2,

    /// <summary>An 8-byte routing header with segments left 0.</summary>
    Routing = 4,
}

/// <summary>
/// How <see cref="PacketBuilder"/> shapes a frame beyond what the flow key says. The default
/// value is a plain frame: no payload, TPID 0x8100, no IPv6 extension headers, padded to 60 bytes.
/// </summary>
public readonly record struct PacketBuildOptions
{
    /// <summary>
    /// Bytes of zero payload after the last header (L4 header, or L3 for other protocols).
    /// Ignored for ICMPv6 neighbour discovery, where anything after the message is options.
    /// </summary>
    public int PayloadLength { get; init; }

    /// <summary>IPv6 extension headers to insert (they do not change the extracted key).</summary>
    public Ipv6ExtensionHeaders Ipv6Extensions { get; init; }

    /// <summary>TPID of the VLAN tag when the key has one; 0 means 0x8100. 0x88a8 is also parsed.</summary>
    public ushort VlanTpid { get; init; }

    /// <summary>When true, the frame is not padded to the Ethernet minimum of 60 bytes.</summary>
    public bool NoPadding { get; init; }
}
