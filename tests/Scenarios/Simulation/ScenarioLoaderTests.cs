using VSwarm.Host.Commands;
using VSwarm.Host.Simulation;
using Xunit;

namespace VSwarm.Tests.Scenarios.Simulation;

/// <summary>Scenario files: the shipped ones, the default demo, and every error path (file, line, problem; exit code 2).</summary>
public sealed class ScenarioLoaderTests : IDisposable
{
    private const string Flows = "priority=10,ip,actions=output:2\npriority=0,actions=drop\n";

    private readonly ScenarioFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A valid two-bridge scenario; <paramref name="bridge0Extra"/> and the sections can be replaced to break it.</summary>
    private static string Valid(string bridge0Extra = "", string links = "\"br0:3 <-> br1:3\"", string traffic = "{ \"bridge\": \"br0\", \"inPorts\": [1], \"rate\": 100, \"flows\": 10 }", string top = "\"duration\": 2,") => $$"""
        {
          "name": "t",
          {{top}}
          "bridges": [
            {
              "name": "br0",
              "ports": [ { "ofport": 1, "ifindex": 11 }, { "ofport": 2, "ifindex": 12 }, { "ofport": 3, "ifindex": 13 } ],{{bridge0Extra}}
              "flows": "br0.flows"
            },
            { "name": "br1", "ports": [ { "ofport": 3, "ifindex": 23 }, { "ofport": 4, "ifindex": 24 } ] }
          ],
          "links": [ {{links}} ],
          "traffic": [ {{traffic}} ]
        }
        """;

    private string[] Errors(string json, string flows = Flows)
    {
        _files.Write("br0.flows", flows);
        var path = _files.Write("s.json", json);
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));
        Assert.NotEmpty(e.Errors);

        // Through the command: the same errors on stderr, exit code 2, nothing run.
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, SimulateCommand.Run(new SimulateOptions(path, Quiet: true), output, error));
        Assert.Contains(e.Errors[0], error.ToString(), StringComparison.Ordinal);
        return [.. e.Errors];
    }

    private string P => Path.Combine(_files.Directory, "s.json");

    [Fact]
    public void A_valid_scenario_loads_with_links_on_both_sides_and_its_rules()
    {
        _files.Write("br0.flows", Flows);
        var s = ScenarioLoader.Load(_files.Write("s.json", Valid()));
        Assert.Equal("t", s.Name);
        Assert.Equal(TimeSpan.FromSeconds(2), s.Duration);
        Assert.Equal(["br0", "br1"], s.Options.Bridges.Select(b => b.Name));
        var l0 = Assert.Single(s.Options.Bridges[0].Links);
        Assert.Equal((3, "br1", 3), (l0.Ofport, l0.PeerBridge, l0.PeerOfport));
        var l1 = Assert.Single(s.Options.Bridges[1].Links);
        Assert.Equal((3, "br0", 3), (l1.Ofport, l1.PeerBridge, l1.PeerOfport));
        Assert.Equal(2, s.Flows["br0"].Count);
        Assert.Empty(s.Flows["br1"]);
        var t = Assert.Single(s.Traffic);
        Assert.Equal(FlowDistribution.Zipf, t.Distribution);
        Assert.Equal([1u], t.Spec.InPorts);
        Assert.Equal("br0-p1", s.Options.Bridges[0].Ports[0].Name);
    }

    [Fact]
    public void Packets_without_duration_runs_until_the_packet_count()
    {
        _files.Write("br0.flows", Flows);
        var s = ScenarioLoader.Load(_files.Write("s.json", Valid(top: "\"packets\": 500,")));
        Assert.Null(s.Duration);
        Assert.Equal(500, s.PacketLimit);
    }

    [Theory]
    [InlineData("single-bridge-acl.json", 1)]
    [InlineData("fabric-zipf.json", 3)]
    [InlineData("flow-limit-pressure.json", 1)]
    public void The_shipped_scenarios_load_and_validate(string file, int bridges)
    {
        var s = ScenarioLoader.Load(Path.Combine(ScenarioFiles.Shipped, file));
        Assert.Equal(bridges, s.Options.Bridges.Count);
        Assert.All(s.Options.Bridges, b => Assert.NotEmpty(s.Flows[b.Name]));
        Assert.NotEmpty(s.Traffic);
        Assert.Empty(VSwarm.Actors.Config.VSwarmConfiguration.Validate(s.Options));
        foreach (var t in s.Traffic)
        {
            Assert.Equal(t.FlowCount, new VSwarm.Actors.Traffic.FlowSet(t.Spec, t.FlowCount, t.Seed).Count);
        }
    }

    [Fact]
    public void Fabric_zipf_links_three_bridges_both_ways()
    {
        var s = ScenarioLoader.Load(Path.Combine(ScenarioFiles.Shipped, "fabric-zipf.json"));
        Assert.Equal(2, s.Options.Bridges.Single(b => b.Name == "br1").Links.Count);
        Assert.Contains(s.Options.Bridges.Single(b => b.Name == "br2").Links, l => l.PeerBridge == "br1" && l.PeerOfport == 11);
    }

    [Fact]
    public void The_default_demo_is_three_linked_bridges_with_a_few_hundred_generated_rules()
    {
        var s = DefaultScenario.Create();
        Assert.Equal(["br0", "br1", "br2"], s.Options.Bridges.Select(b => b.Name));
        Assert.Empty(VSwarm.Actors.Config.VSwarmConfiguration.Validate(s.Options));
        Assert.All(s.Options.Bridges, b => Assert.InRange(s.Flows[b.Name].Count, 200, 400));
        Assert.Contains(s.Flows["br0"], r => r.Priority >= 2000);                // deny rules
        Assert.Contains(DefaultScenario.AclText().Split('\n'), l => l.Contains("tp_dst=0x", StringComparison.Ordinal)); // masked port ranges
        Assert.Equal(DefaultScenario.FlowText("br1"), DefaultScenario.FlowText("br1"));             // seeded: the same every time
        Assert.Equal(5000, s.Traffic[0].FlowCount);
        Assert.Equal(1.1, s.Traffic[0].Exponent);
        Assert.Equal(TimeSpan.FromSeconds(10), s.Duration);
    }

    [Fact]
    public void A_json_syntax_error_names_the_file_and_line()
    {
        var errors = Errors("{\n  \"name\": \"x\",\n  \"duration\": 2\n  \"bridges\": []\n}\n");
        Assert.StartsWith($"{P}:4:", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_names_its_line()
    {
        var errors = Errors(Valid(top: "\"duration\": 2, \"speed\": 3,"));
        Assert.StartsWith($"{P}:3:", errors[0], StringComparison.Ordinal);
        Assert.Contains("'speed' is not a known key", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_key_and_line()
    {
        var errors = Errors(Valid(top: "\"duration\": \"ten\","));
        Assert.Equal($"{P}:3: duration must be a number", errors[0]);
    }

    [Fact]
    public void A_bad_bridge_setting_is_reported_like_vswarm_json_with_its_line()
    {
        var errors = Errors(Valid(bridge0Extra: "\n      \"shards\": 0,"));
        Assert.Equal($"{P}:8: bridges:0:shards must be 1..1024 (got 0)", Assert.Single(errors));
    }

    [Fact]
    public void An_unknown_bridge_key_is_an_error()
    {
        var errors = Errors(Valid(bridge0Extra: "\n      \"shardz\": 2,"));
        Assert.StartsWith($"{P}:8: bridges:0:shardz is not a known key", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flow_file_error_names_file_line_and_column()
    {
        var errors = Errors(Valid(), "priority=10,ip,actions=output:2\npriority=5,ip,nw_dst=10.0.0.0/40,actions=drop\n");
        Assert.StartsWith(Path.Combine(_files.Directory, "br0.flows") + ":2:", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_flow_file_names_the_scenario_line()
    {
        var errors = Errors(Valid().Replace("br0.flows", "nope.flows", StringComparison.Ordinal));
        var e = Assert.Single(errors);
        Assert.StartsWith($"{P}:8: bridges:0:flows cannot read flow file", e, StringComparison.Ordinal);
        Assert.Contains("nope.flows", e, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_an_unknown_bridge_names_it()
    {
        var e = Assert.Single(Errors(Valid(links: "\"br0:3 <-> br9:3\"")));
        Assert.StartsWith($"{P}:12: links:0 names bridge 'br9'", e, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_an_unknown_port_names_it()
    {
        var e = Assert.Single(Errors(Valid(links: "{ \"bridge\": \"br0\", \"ofport\": 3, \"peerBridge\": \"br1\", \"peerOfport\": 7 }")));
        Assert.StartsWith($"{P}:12: links:0 names port br1:7, but bridge br1 has no port 7", e, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_link_shows_the_accepted_shapes()
    {
        var e = Assert.Single(Errors(Valid(links: "\"br0-3 to br1-3\"")));
        Assert.Contains("links:0 must be \"br0:3 <-> br1:3\"", e, StringComparison.Ordinal);
    }

    [Fact]
    public void A_traffic_source_on_an_unknown_bridge_or_port_names_it()
    {
        var e1 = Assert.Single(Errors(Valid(traffic: "{ \"bridge\": \"br7\" }")));
        Assert.StartsWith($"{P}:13: traffic:0:bridge 'br7' is not a bridge of the scenario", e1, StringComparison.Ordinal);
        var e2 = Assert.Single(Errors(Valid(traffic: "{ \"bridge\": \"br0\", \"inPorts\": [9] }")));
        Assert.StartsWith($"{P}:13: traffic:0:inPorts names port 9, but bridge br0 has no port 9", e2, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_traffic_values_are_each_reported()
    {
        var errors = Errors(Valid(traffic: "{ \"bridge\": \"br0\", \"rate\": 0, \"distribution\": \"pareto\", \"protocols\": [\"sctp\"], \"dstPrefix\": \"10.0.0.0/33\" }"));
        Assert.Contains(errors, e => e.Contains("traffic:0:rate must be", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("traffic:0:distribution must be 'zipf' or 'uniform' (got 'pareto')", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("traffic:0:protocols 'sctp'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("traffic:0:dstPrefix", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_scenario_file_is_exit_code_2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, SimulateCommand.Run(new SimulateOptions(Path.Combine(_files.Directory, "none.json")), output, error));
        Assert.Contains("cannot read the scenario", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_duration_option_is_exit_code_2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, SimulateCommand.Run(new SimulateOptions(Duration: -1), output, error));
        Assert.Contains("--duration", error.ToString(), StringComparison.Ordinal);
    }
}
