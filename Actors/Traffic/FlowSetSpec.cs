namespace VSwarm.Actors.Traffic;

/// <summary>
/// What the flows of a traffic source look like: ingress ports, protocols, address prefixes and
/// port ranges, from which <see cref="FlowSet"/> draws distinct 5-tuples.
/// </summary>
/// <param name="InPorts">OpenFlow ports the packets arrive on.</param>
/// <param name="Protocols">Any of "tcp", "udp", "icmp".</param>
/// <param name="SrcPrefix">IPv4 source prefix, e.g. "10.0.0.0/8".</param>
/// <param name="DstPrefix">IPv4 destination prefix.</param>
/// <param name="DstPorts">Destination ports to choose from (TCP/UDP); empty = any.</param>
/// <param name="FrameBytes">Frame length including the Ethernet header (at least 64).</param>
public sealed record FlowSetSpec(
    IReadOnlyList<uint> InPorts,
    IReadOnlyList<string> Protocols,
    string SrcPrefix = "10.0.0.0/8",
    string DstPrefix = "10.0.0.0/8",
    IReadOnlyList<ushort>? DstPorts = null,
    int FrameBytes = 128);
