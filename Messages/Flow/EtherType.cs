namespace VSwarm.Messages.Flow;

/// <summary>The Ethertypes VSwarm's flow fields distinguish (dl_type values).</summary>
public static class EtherType
{
    /// <summary>IPv4.</summary>
    public const ushort Ipv4 = 0x0800;

    /// <summary>ARP.</summary>
    public const ushort Arp = 0x0806;

    /// <summary>RARP.</summary>
    public const ushort Rarp = 0x8035;

    /// <summary>IPv6.</summary>
    public const ushort Ipv6 = 0x86dd;

    /// <summary>802.1Q VLAN tag (TPID).</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>802.1ad (QinQ) outer tag (TPID).</summary>
    public const ushort QinQ = 0x88a8;

    /// <summary>OVS's dl_type for 802.2 frames without an Ethertype.</summary>
    public const ushort None = 0x05ff;

    /// <summary>True for IPv4 and IPv6.</summary>
    public static bool IsIp(ushort dlType) => dlType is Ipv4 or Ipv6;
}
