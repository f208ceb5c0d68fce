using VSwarm.Actors.Sflow;
using VSwarm.Host.Commands;
using Xunit;

namespace VSwarm.Tests.Unit.Sflow;

public class SflowDecodeCommandTests
{
    [Fact]
    public void Decodes_a_pcap_and_a_raw_datagram()
    {
        var pcap = SflowGolden.Bytes("datagram_A.pcap");
        var o1 = new StringWriter();
        Assert.Equal(0, SflowDecodeCommand.Run(pcap, "a.pcap", o1, TextWriter.Null));
        var o2 = new StringWriter();
        Assert.Equal(0, SflowDecodeCommand.Run(SflowGolden.Bytes("datagram_A.bin"), "a.bin", o2, TextWriter.Null));
        Assert.Equal(o1.ToString(), o2.ToString());
        var text = o1.ToString();
        Assert.StartsWith("datagram v5 agent=192.0.2.10 sub_agent=0 seq=1 uptime_ms=123456 samples=2 bytes=288\n", text, StringComparison.Ordinal);
        Assert.Contains("  flow_sample seq=1 source=0:3 rate=400 pool=400 drops=0 input=3 output=4 records=2\n", text, StringComparison.Ordinal);
        Assert.Contains("    extended_switch src_vlan=10 src_priority=0 dst_vlan=10 dst_priority=0\n", text, StringComparison.Ordinal);
        Assert.Contains("if_counters ifIndex=3 ifType=6 ifSpeed=10000000000", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vswarm_pcap_of_several_datagrams_round_trips_and_bad_ones_exit_2_with_the_offset()
    {
        var good = SflowGolden.Bytes("datagram_B.bin");
        var truncated = SflowGolden.Bytes("datagram_A.bin")[..280];
        var pcap = SflowPcap.Write([good, truncated, SflowGolden.Bytes("datagram_C.bin")]);
        Assert.Equal([good, truncated, SflowGolden.Bytes("datagram_C.bin")], SflowPcap.ReadUdpPayloads(pcap).Select(p => p.Payload));
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(2, SflowDecodeCommand.Run(pcap, "x.pcap", output, error));
        Assert.Equal(2, output.ToString().Split('\n').Count(l => l.StartsWith("datagram v5", StringComparison.Ordinal)));
        Assert.Contains("x.pcap: packet 2: sFlow datagram malformed at offset 176 (0x00b0)", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pcap_is_reported()
    {
        var pcap = SflowPcap.Write([SflowGolden.Bytes("datagram_A.bin")])[..100];
        var error = new StringWriter();
        Assert.Equal(2, SflowDecodeCommand.Run(pcap, "t.pcap", TextWriter.Null, error));
        Assert.Contains("caplen", error.ToString(), StringComparison.Ordinal);
    }
}
