using System.Net;
using VSwarm.Actors.Sflow;
using VSwarm.Tests.Unit.Oracle;

namespace VSwarm.Tests.Unit.Sflow;

/// <summary>The golden datagrams (tests/Golden/Sflow) and datagram A rebuilt from records.</summary>
internal static class SflowGolden
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(RepoPaths.Golden("Sflow", name));

    /// <summary>The 54-byte Ethernet/IPv4/TCP header of A (192.0.2.1:44321 → 198.51.100.2:443, ACK|PSH).</summary>
    public static byte[] HeaderA { get; } = Convert.FromHexString(
        "00112233445566778899aabb0800450005dc12344000400636b1c0000201c6336402ad2101bb010203040a0b0c0d5018faf000000000");

    public static SflowDatagram DatagramA() => new(
        IPAddress.Parse("192.0.2.10"), 0, 1, 123456,
        [
            new SflowFlowSample(1, 0, 3, 400, 400, 0, new SflowInterface(0, 3), new SflowInterface(0, 4),
                [new SflowSampledHeader(1, 1518, 4, HeaderA), new SflowExtendedSwitch(10, 0, 10, 0)]),
            new SflowCountersSample(1, 0, 3,
                [
                    new SflowIfCounters
                    {
                        IfIndex = 3, IfType = 6, IfSpeed = 10_000_000_000, IfDirection = 1, IfStatus = 3,
                        IfInOctets = 123456789012, IfInUcastPkts = 1000, IfInMulticastPkts = 10, IfInBroadcastPkts = 5,
                        IfOutOctets = 98765, IfOutUcastPkts = 500, IfOutMulticastPkts = 0xFFFFFFFF, IfOutBroadcastPkts = 0xFFFFFFFF,
                    },
                ]),
        ]);
}
