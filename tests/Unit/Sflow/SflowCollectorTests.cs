using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VSwarm.Actors.Sflow;
using Xunit;
using VSwarm.TestKit;

namespace VSwarm.Tests.Unit.Sflow;

/// <summary>
/// Real collectors (test.sh installs them): datagram A encoded by VSwarm travels over UDP on
/// 127.0.0.1, is wrapped in a pcap by VSwarm and decoded by tshark; pmacct's sfacctd decodes it
/// from that pcap and live from a UDP socket. A missing tool fails the test with the install line.
/// </summary>
public sealed class SflowCollectorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("vswarm-sflow-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Tshark_decodes_datagram_A_sent_by_vswarm_with_the_same_fields()
    {
        var payload = SendOverUdpAndReceive(SflowEncoder.Encode(SflowGolden.DatagramA()));
        Assert.Equal(SflowGolden.Bytes("datagram_A.bin"), payload);
        var pcap = Path.Combine(dir, "a.pcap");
        File.WriteAllBytes(pcap, SflowPcap.Write([payload]));

        var fields = new[]
        {
            "sflow_245.agent", "sflow_245.sequence_number", "sflow_245.sampletype", "sflow.flow_sample.sequence_number",
            "sflow.flow_sample.sampling_rate", "sflow.flow_sample.sample_pool", "sflow.flow_sample.input_interface",
            "sflow.flow_sample.output_interface", "sflow_245.flow_record_format", "sflow_245.header_protocol",
            "sflow_245.header.frame_length", "sflow_245.numsamples",
        };
        var args = new List<string> { "-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "separator=|" };
        foreach (var f in fields)
        {
            args.Add("-e");
            args.Add(f);
        }

        var (rc, stdout, stderr) = ExternalTool.Run("tshark", args, TimeSpan.FromSeconds(60));
        Assert.True(rc == 0, $"tshark failed ({rc}): {stderr}");
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("192.0.2.10|1|1,2|1|400|400|3|0x00000004|1,1001|1|1518|2", line.Trim());

        var (_, verbose, _) = ExternalTool.Run("tshark", ["-r", pcap, "-V"], TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("Malformed", verbose, StringComparison.Ordinal);
        Assert.Contains("Extended switch data", verbose, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Generic interface counters", verbose, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Tshark_sees_the_receiver_datagrams_of_ovs_brief_item_22()
    {
        var sent = new List<byte[]>();
        long now = 0;
        var r = new SflowReceiver(IPAddress.Parse("127.0.0.1"), 0, () => now, sent.Add);
        var s = SflowSampler.ForBridge(0, 1);
        var packet = SflowGolden.HeaderA.Concat(new byte[52]).ToArray(); // a 106-byte TCP frame
        for (var i = 0; i < 7; i++)
        {
            r.Add(s.Sample(packet, 1004, 1003));
        }

        now = 1000;
        r.Tick();
        var pcap = Path.Combine(dir, "packed.pcap");
        File.WriteAllBytes(pcap, SflowPcap.Write(sent));
        var (rc, stdout, stderr) = ExternalTool.Run("tshark",
            ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-e", "sflow_245.sequence_number", "-e", "sflow_245.numsamples", "-e", "sflow.flow_sample.sequence_number", "-e", "sflow_245.header.frame_length"],
            TimeSpan.FromSeconds(60));
        Assert.True(rc == 0, $"tshark failed ({rc}): {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("1\t6\t1,2,3,4,5,6\t110,110,110,110,110,110", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("2\t1\t7\t110", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Sfacctd_decodes_a_vswarm_pcap_offline()
    {
        var pcap = Path.Combine(dir, "a.pcap");
        File.WriteAllBytes(pcap, SflowPcap.Write([SflowEncoder.Encode(SflowGolden.DatagramA())]));
        var json = Path.Combine(dir, "flows.json");
        var (rc, _, stderr) = ExternalTool.Run("sfacctd",
            ["-I", pcap, "-P", "print", "-O", "json", "-r", "1", "-c", "peer_src_ip,in_iface,out_iface,src_host,dst_host,src_port,dst_port,proto,sampling_rate", "-o", json],
            TimeSpan.FromSeconds(60));
        Assert.True(rc == 0, $"sfacctd failed ({rc}): {stderr}");
        AssertFlowA(File.ReadAllText(json));
    }

    [Fact]
    public void Sfacctd_receives_datagram_A_live_over_udp()
    {
        var port = FreeUdpPort();
        var json = Path.Combine(dir, "live.json");
        using var p = ExternalTool.Start("sfacctd",
            ["-L", "127.0.0.1", "-l", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-P", "print", "-O", "json", "-r", "1",
             "-c", "peer_src_ip,in_iface,out_iface,src_host,dst_host,src_port,dst_port,proto,sampling_rate", "-o", json]);
        try
        {
            using var sender = new SflowUdpSender([new IPEndPoint(IPAddress.Loopback, port)]);
            var a = SflowEncoder.Encode(SflowGolden.DatagramA());
            var deadline = Stopwatch.StartNew();
            // sfacctd gives no sign that it is listening: send A until a purge has written it (datagram loss is harmless here).
            while (deadline.Elapsed < TimeSpan.FromSeconds(20) && !(File.Exists(json) && File.ReadAllText(json).Contains("\"port_dst\": 443", StringComparison.Ordinal)))
            {
                Assert.False(p.HasExited, $"sfacctd exited early ({(p.HasExited ? p.ExitCode : 0)})");
                sender.Send(a);
                Thread.Sleep(500);
            }
        }
        finally
        {
            ExternalTool.Interrupt(p);
        }

        Assert.True(File.Exists(json), "sfacctd wrote no flows file within 20 s");
        AssertFlowA(File.ReadAllText(json));
    }

    private static void AssertFlowA(string json)
    {
        var line = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.Contains("\"port_dst\": 443", StringComparison.Ordinal));
        Assert.True(line is not null, "no flow with port_dst 443 in sfacctd's output: " + json);
        foreach (var expected in new[]
                 {
                     "\"peer_ip_src\": \"192.0.2.10\"", "\"iface_in\": 3", "\"iface_out\": 4", "\"ip_src\": \"192.0.2.1\"", "\"ip_dst\": \"198.51.100.2\"",
                     "\"port_src\": 44321", "\"ip_proto\": \"tcp\"", "\"sampling_rate\": 400", "\"bytes\": 1518",
                 })
        {
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }

    private static byte[] SendOverUdpAndReceive(byte[] datagram)
    {
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        collector.Client.ReceiveTimeout = 5000;
        using var sender = new SflowUdpSender([(IPEndPoint)collector.Client.LocalEndPoint!]);
        sender.Send(datagram);
        IPEndPoint? from = null;
        return collector.Receive(ref from);
    }

    private static int FreeUdpPort()
    {
        using var s = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.Client.LocalEndPoint!).Port;
    }
}
