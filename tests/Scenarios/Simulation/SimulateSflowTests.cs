using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VSwarm.Actors.Sflow;
using VSwarm.Host.Commands;
using Xunit;

namespace VSwarm.Tests.Scenarios.Simulation;

/// <summary><c>vswarm simulate --sflow host:port</c> sends real sFlow v5 datagrams and reports them.</summary>
public sealed class SimulateSflowTests : IDisposable
{
    private readonly ScenarioFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Sflow_datagrams_reach_the_collector_and_the_summary_shows_each_sampler()
    {
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)collector.Client.LocalEndPoint!).Port;
        _files.Write("br0.flows", "priority=10,ip,actions=output:2\n");
        var scenario = _files.Write("s.json", """
            {
              "name": "sflow",
              "packets": 400,
              "duration": 20,
              "bridges": [
                { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 11 }, { "ofport": 2, "ifindex": 12 } ], "flows": "br0.flows",
                  "sflow": { "sampling": 4 } }
              ],
              "traffic": [ { "bridge": "br0", "inPorts": [1], "rate": 4000, "flows": 20, "distribution": "uniform", "protocols": ["udp"], "seed": 3 } ]
            }
            """);
        var reportPath = Path.Combine(_files.Directory, "report.json");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var rc = SimulateCommand.Run(new SimulateOptions(scenario, ReportPath: reportPath, Quiet: true, Sflow: $"127.0.0.1:{port}"), output, error);

        Assert.True(rc == 0, $"exit {rc}: {error}");
        Assert.Contains("sampler-bridge", output.ToString(), StringComparison.Ordinal);
        var samples = 0;
        while (collector.Available > 0)
        {
            IPEndPoint? from = null;
            var datagram = SflowDecoder.Decode(collector.Receive(ref from));
            foreach (var s in datagram.Samples.OfType<SflowFlowSample>())
            {
                Assert.Equal(4u, s.SamplingRate);
                Assert.Equal(11u, s.Input.Value);
                samples++;
            }
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        var sflow = doc.RootElement.GetProperty("bridges")[0].GetProperty("sflow");
        Assert.True(sflow.GetProperty("datagrams").GetInt64() >= 1);
        Assert.Equal(samples, sflow.GetProperty("samples").GetInt64());
        Assert.InRange(samples, 1, 400); // about 1 in 4 of 400 packets
    }

    [Fact]
    public void A_bad_collector_is_refused_with_exit_code_2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, SimulateCommand.Run(new SimulateOptions(Duration: 1, Quiet: true, Sflow: "127.0.0.1:notaport"), output, error));
        Assert.Contains("--sflow must be host:port", error.ToString(), StringComparison.Ordinal);
    }
}
