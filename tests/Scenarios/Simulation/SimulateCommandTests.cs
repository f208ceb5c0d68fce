using System.Text.Json;
using VSwarm.Host.Commands;
using Xunit;

namespace VSwarm.Tests.Scenarios.Simulation;

/// <summary>
/// <c>vswarm simulate</c> end to end on the real clock: real bridges (shards, handlers,
/// revalidators) joined by a patch link, traffic pumped, summary, dumps and report. Few and short.
/// </summary>
public sealed class SimulateCommandTests : IDisposable
{
    private readonly ScenarioFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Progress_lines_show_what_upcall_show_and_dpctl_show_would()
    {
        var stats = new VSwarm.Actors.Bridge.Protocol.BridgeStats("br0", 1000, 400, 500, 100, 2, 80, 5, 12000, 90, 10, 0, 3, System.Collections.Immutable.ImmutableDictionary<string, long>.Empty, 0);
        var line = Assert.Single(VSwarm.Host.Simulation.SimulationView.PlainLines(new VSwarm.Host.Simulation.SimulationSample(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 1000, [stats], [950.0], false)));
        Assert.Equal("[  1.0s] br0: 950 pkt/s, packets 1000, emc 40.0%, megaflow 50.0%, upcalls 100, lost 2, megaflows 80/12000, reval rounds 3", line);
    }

    private static JsonElement Bridge(JsonElement report, string name) =>
        report.GetProperty("bridges").EnumerateArray().Single(b => b.GetProperty("name").GetString() == name).GetProperty("stats");

    [Fact]
    public void A_short_two_bridge_run_forwards_through_the_patch_link_and_writes_the_report()
    {
        _files.Write("br0.flows", "priority=10,ip,actions=output:3\npriority=0,actions=drop\n");
        _files.Write("br1.flows", "priority=10,ip,actions=output:4\npriority=0,actions=drop\n");
        var scenario = _files.Write("s.json", """
            {
              "name": "two-bridges",
              "packets": 2000,
              "duration": 20,
              "bridges": [
                { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 11 }, { "ofport": 3, "ifindex": 13 } ], "flows": "br0.flows" },
                { "name": "br1", "ports": [ { "ofport": 3, "ifindex": 23 }, { "ofport": 4, "ifindex": 24 } ], "flows": "br1.flows", "flowLimit": 1000 }
              ],
              "links": [ "br0:3 <-> br1:3" ],
              "traffic": [ { "bridge": "br0", "inPorts": [1], "rate": 5000, "flows": 40, "distribution": "zipf", "exponent": 1.1, "protocols": ["udp"], "seed": 5 } ]
            }
            """);
        var reportPath = Path.Combine(_files.Directory, "report.json");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var rc = SimulateCommand.Run(new SimulateOptions(scenario, DumpFlows: true, ReportPath: reportPath, Quiet: true), output, error);

        Assert.True(rc == 0, $"exit {rc}: {error}");
        var text = output.ToString();
        Assert.Contains("summary", text, StringComparison.Ordinal);
        Assert.Contains("# br0 shard-0:", text, StringComparison.Ordinal);
        Assert.Contains("actions:", text, StringComparison.Ordinal);      // ODP dump lines
        Assert.True(File.Exists(reportPath));
        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        var report = doc.RootElement;
        Assert.Equal("two-bridges", report.GetProperty("scenario").GetProperty("name").GetString());
        Assert.Equal("packets", report.GetProperty("stoppedBy").GetString());
        Assert.Equal(2000, report.GetProperty("packetsSent").GetInt64());

        foreach (var name in new[] { "br0", "br1" })
        {
            var s = Bridge(report, name);
            var packets = s.GetProperty("packets").GetInt64();
            Assert.True(packets > 0, $"{name}: no packets");
            Assert.True(s.GetProperty("megaflowHits").GetInt64() + s.GetProperty("emcHits").GetInt64() > 0, $"{name}: 40 repeated flows never hit a cache");
            Assert.True(s.GetProperty("missed").GetInt64() <= packets, $"{name}: more upcalls than packets");
            Assert.True(s.GetProperty("flows").GetInt64() <= s.GetProperty("flowLimit").GetInt64(), $"{name}: flows over the limit");
        }

        Assert.True(Bridge(report, "br0").GetProperty("megaflowHits").GetInt64() > 0);
        var totals = report.GetProperty("totals");
        Assert.Equal(Bridge(report, "br0").GetProperty("packets").GetInt64() + Bridge(report, "br1").GetProperty("packets").GetInt64(), totals.GetProperty("packets").GetInt64());
        var br1Ports = report.GetProperty("bridges").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "br1").GetProperty("ports");
        Assert.Contains(br1Ports.EnumerateArray(), p => p.GetProperty("ofport").GetInt32() == 4 && p.GetProperty("txPackets").GetInt64() > 0);
    }

    [Fact]
    public void The_default_demo_runs_for_a_second()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var rc = SimulateCommand.Run(new SimulateOptions(Duration: 1.5), output, error);

        Assert.True(rc == 0, $"exit {rc}: {error}");
        var text = output.ToString();
        Assert.Contains("scenario default-fabric", text, StringComparison.Ordinal);
        Assert.Contains("summary", text, StringComparison.Ordinal);
        Assert.Contains("br2-patch-br1", text, StringComparison.Ordinal);  // per-port table
    }
}
