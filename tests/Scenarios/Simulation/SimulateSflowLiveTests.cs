using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VSwarm.Actors.Sflow;
using VSwarm.Host.Commands;
using Xunit;
using VSwarm.TestKit;

namespace VSwarm.Tests.Scenarios.Simulation;

/// <summary>
/// Live (issue 6): a simulation with a bridge sampler, a selected per-flow sampler and an OpenFlow
/// <c>sample(…)</c> sampler sends real UDP datagrams to two collectors on 127.0.0.1: a socket
/// whose datagrams are written to a pcap and decoded by tshark, and pmacct's sfacctd listening with
/// its print plugin and counter file. What the real tools decode — samples per data source,
/// sequence numbers, sampling rates, sample pools, drops, datagrams and counter samples — equals
/// the simulation's report. test.sh installs both tools; a missing tool fails the test (no skip).
/// </summary>
public sealed class SimulateSflowLiveTests : IDisposable
{
    private readonly ScenarioFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Tshark_and_sfacctd_decode_what_the_simulation_reports()
    {
        var dir = _files.Directory;
        using var capture = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        capture.Client.ReceiveBufferSize = 8 << 20;
        var capturePort = ((IPEndPoint)capture.Client.LocalEndPoint!).Port;
        var sfacctdPort = FreeUdpPort();
        using var sfacctd = StartSfacctd(dir, sfacctdPort);
        try
        {
            WaitUntilSfacctdListens(sfacctd, dir, sfacctdPort);
            var received = new List<byte[]>();
            using var stopCapture = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var r = await capture.ReceiveAsync(stopCapture.Token);
                        lock (received)
                        {
                            received.Add(r.Buffer);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Capture over.
                }
            });

            var report = RunSimulation(capturePort, sfacctdPort);
            var sflow = report.RootElement.GetProperty("bridges")[0].GetProperty("sflow");
            var reportDatagrams = sflow.GetProperty("datagrams").GetInt64();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10) && Count(received) < reportDatagrams)
            {
                await Task.Delay(50);
            }

            await stopCapture.CancelAsync();
            await reader.WaitAsync(TimeSpan.FromSeconds(5));
            byte[][] payloads;
            lock (received)
            {
                payloads = [.. received];
            }

            Assert.Equal(reportDatagrams, payloads.Length);
            var samplers = sflow.GetProperty("samplers").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
            Assert.Equal(["flow-100", "flow-200", "sampler-bridge"], samplers.Keys.Order(StringComparer.Ordinal));
            Assert.True(samplers.Values.All(s => s.GetProperty("samples").GetUInt32() > 0), "every sampler sampled something");
            Assert.Equal(4u, samplers["flow-200"].GetProperty("samplingRate").GetUInt32()); // sample(probability=16384): 65535/16384

            // tshark, from a pcap of what the socket received.
            var pcap = Path.Combine(dir, "live.pcap");
            File.WriteAllBytes(pcap, SflowPcap.Write(payloads));
            var decoded = TsharkDecode(pcap);
            Assert.Equal(Enumerable.Range(1, payloads.Length).Select(i => (uint)i), decoded.DatagramSequences.Order());
            foreach (var (name, s) in samplers)
            {
                var key = (s.GetProperty("sourceClass").GetUInt32(), s.GetProperty("sourceIndex").GetUInt32());
                var mine = decoded.FlowSamples.Where(f => (f.Class, f.Index) == key).OrderBy(f => f.Sequence).ToList();
                var n = s.GetProperty("samples").GetUInt32();
                Assert.True(mine.Count == n, $"{name}: tshark decoded {mine.Count} samples, the report says {n}");
                Assert.Equal(Enumerable.Range(1, (int)n).Select(i => (uint)i), mine.Select(f => f.Sequence));
                Assert.All(mine, f => Assert.Equal(s.GetProperty("samplingRate").GetUInt32(), f.Rate));
                Assert.Equal(s.GetProperty("samplePool").GetUInt32(), mine[^1].Pool);
                Assert.Equal(s.GetProperty("drops").GetUInt32(), mine[^1].Drops);
            }

            Assert.Equal(sflow.GetProperty("samples").GetInt64(), decoded.FlowSamples.Count);
            Assert.Equal(sflow.GetProperty("counterSamples").GetInt64(), decoded.CounterSamples.Count);
            Assert.True(decoded.CounterSamples.Count > 0, "no counter samples");
            foreach (var g in decoded.CounterSamples.GroupBy(c => c.IfIndex))
            {
                Assert.Equal(Enumerable.Range(1, g.Count()).Select(i => (uint)i), g.Select(c => c.Sequence).Order());
            }

            var ports = report.RootElement.GetProperty("bridges")[0].GetProperty("ports").EnumerateArray().ToDictionary(p => (uint)p.GetProperty("ifindex").GetInt32());
            foreach (var c in decoded.CounterSamples)
            {
                Assert.InRange(c.InPackets, 0L, ports[c.IfIndex].GetProperty("rxPackets").GetInt64());
            }

            // sfacctd: flows aggregated per sampling rate (one "packet" per sample, not renormalized)
            // and one generic counter record per counter sample.
            ExternalTool.Interrupt(sfacctd);
            var flows = File.ReadAllLines(Path.Combine(dir, "flows.json")).Where(l => l.Contains("\"peer_ip_src\": \"127.0.0.1\"", StringComparison.Ordinal)).ToList();
            var byRate = flows.Select(l => JsonDocument.Parse(l).RootElement)
                .GroupBy(e => e.GetProperty("sampling_rate").GetInt64())
                .ToDictionary(g => g.Key, g => g.Sum(e => e.GetProperty("packets").GetInt64()));
            var expected = samplers.Values.GroupBy(s => (long)s.GetProperty("samplingRate").GetUInt32())
                .ToDictionary(g => g.Key, g => g.Sum(s => (long)s.GetProperty("samples").GetUInt32()));
            Assert.Equal(expected.OrderBy(kv => kv.Key), byRate.OrderBy(kv => kv.Key));
            var counters = File.ReadAllLines(Path.Combine(dir, "counters.json"))
                .Where(l => l.Contains("\"peer_ip_src\": \"127.0.0.1\"", StringComparison.Ordinal) && l.Contains("sflow_cnt_generic", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(decoded.CounterSamples.Count, counters.Count);
        }
        finally
        {
            ExternalTool.Interrupt(sfacctd);
        }
    }

    private static int Count(List<byte[]> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private JsonDocument RunSimulation(int capturePort, int sfacctdPort)
    {
        _files.Write("br0.flows", """
            cookie=0x100,priority=10,udp,actions=output:2
            cookie=0x200,priority=10,tcp,actions=sample(probability=16384,collector_set_id=1),output:2
            """);
        var scenario = _files.Write("s.json", $$"""
            {
              "name": "sflow-live",
              "packets": 3000,
              "duration": 30,
              "bridges": [
                { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 11 }, { "ofport": 2, "ifindex": 12 } ], "flows": "br0.flows",
                  "sflow": { "sampling": 16, "polling": 1, "collectors": [ "127.0.0.1:{{capturePort}}", "127.0.0.1:{{sfacctdPort}}" ],
                             "flows": [ { "cookie": "0x100", "sampling": 8 } ] } }
              ],
              "traffic": [ { "bridge": "br0", "inPorts": [1], "rate": 1500, "flows": 20, "distribution": "uniform", "protocols": ["udp", "tcp"], "seed": 5 } ]
            }
            """);
        var reportPath = Path.Combine(_files.Directory, "report.json");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var rc = SimulateCommand.Run(new SimulateOptions(scenario, ReportPath: reportPath, Quiet: true), output, error);
        Assert.True(rc == 0, $"exit {rc}: {error}");
        return JsonDocument.Parse(File.ReadAllText(reportPath));
    }

    private static Process StartSfacctd(string dir, int port)
    {
        var conf = Path.Combine(dir, "sfacctd.conf");
        File.WriteAllText(conf, $"""
            daemonize: false
            logfile: {dir}/sfacctd.log
            sfacctd_ip: 127.0.0.1
            sfacctd_port: {port}
            sfacctd_counter_file: {dir}/counters.json
            sfacctd_counter_output: json
            plugins: print[flows]
            aggregate[flows]: peer_src_ip, sampling_rate, proto
            print_output[flows]: json
            print_output_file[flows]: {dir}/flows.json
            print_output_file_append[flows]: true
            print_refresh_time[flows]: 1
            """);
        return ExternalTool.Start("sfacctd", ["-f", conf], redirect: false); // it logs to its logfile
    }

    /// <summary>sfacctd gives no sign that it listens: send a probe datagram (another agent address) until its counter record is written.</summary>
    private static void WaitUntilSfacctdListens(Process sfacctd, string dir, int port)
    {
        var probe = new SflowDatagram(IPAddress.Parse("192.0.2.99"), 0, 1, 0,
            [new SflowPoller(99, 1, new Random(1)).Poll(new Actors.Bridge.Protocol.PortCounters(RxPackets: 1))]);
        using var sender = new SflowUdpSender([new IPEndPoint(IPAddress.Loopback, port)]);
        var counters = Path.Combine(dir, "counters.json");
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(counters) && File.ReadAllText(counters).Contains("192.0.2.99", StringComparison.Ordinal)))
        {
            Assert.False(sfacctd.HasExited, $"sfacctd exited early: {ReadIfExists(Path.Combine(dir, "sfacctd.log"))}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "sfacctd did not decode the probe within 20 s");
            sender.Send(SflowEncoder.Encode(probe));
            Thread.Sleep(200);
        }
    }

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : "(no log)";

    private static Decoded TsharkDecode(string pcap)
    {
        string[] fields =
        [
            "sflow_245.sequence_number",
            "sflow.flow_sample.source_id_class", "sflow.flow_sample.index", "sflow.flow_sample.sequence_number", "sflow.flow_sample.sampling_rate",
            "sflow.flow_sample.sample_pool", "sflow.flow_sample.dropped_packets",
            "sflow.counters_sample.sequence_number", "sflow_245.ifindex", "sflow_245.ifinpkt",
        ];
        var args = new List<string> { "-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "separator=|", "-E", "aggregator=," };
        foreach (var f in fields)
        {
            args.Add("-e");
            args.Add(f);
        }

        var (rc, stdout, stderr) = ExternalTool.Run("tshark", args, TimeSpan.FromSeconds(120));
        Assert.True(rc == 0, $"tshark failed ({rc}): {stderr}");
        var d = new Decoded();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var c = line.TrimEnd('\r').Split('|');
            Assert.True(c.Length == fields.Length, $"tshark line with {c.Length} columns: {line}");
            d.DatagramSequences.Add(U(c[0]));
            var cls = Many(c[1]);
            var idx = Many(c[2]);
            var seq = Many(c[3]);
            var rate = Many(c[4]);
            var pool = Many(c[5]);
            var drops = Many(c[6]);
            Assert.True(new[] { idx.Length, seq.Length, rate.Length, pool.Length, drops.Length }.All(n => n == cls.Length), $"uneven flow-sample fields: {line}");
            for (var i = 0; i < cls.Length; i++)
            {
                d.FlowSamples.Add(new FlowSampleRow(cls[i], idx[i], seq[i], rate[i], pool[i], drops[i]));
            }

            var cseq = Many(c[7]);
            var ifx = Many(c[8]);
            var inPkts = Many(c[9]);
            Assert.True(ifx.Length == cseq.Length && inPkts.Length == cseq.Length, $"uneven counter fields: {line}");
            for (var i = 0; i < cseq.Length; i++)
            {
                d.CounterSamples.Add(new CounterSampleRow(ifx[i], cseq[i], inPkts[i]));
            }
        }

        return d;
    }

    private static uint U(string s) => s.StartsWith("0x", StringComparison.Ordinal)
        ? uint.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : uint.Parse(s, CultureInfo.InvariantCulture);

    private static uint[] Many(string s) => s.Length == 0 ? [] : [.. s.Split(',').Select(U)];

    private static int FreeUdpPort()
    {
        using var s = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.Client.LocalEndPoint!).Port;
    }

    private sealed record FlowSampleRow(uint Class, uint Index, uint Sequence, uint Rate, uint Pool, uint Drops);

    private sealed record CounterSampleRow(uint IfIndex, uint Sequence, long InPackets);

    private sealed class Decoded
    {
        public List<uint> DatagramSequences { get; } = [];

        public List<FlowSampleRow> FlowSamples { get; } = [];

        public List<CounterSampleRow> CounterSamples { get; } = [];
    }
}
