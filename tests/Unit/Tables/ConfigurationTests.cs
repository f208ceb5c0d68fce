using System.Collections;
using VSwarm.Actors.Config;
using Xunit;

namespace VSwarm.Tests.Unit.Tables;

/// <summary>vswarm.json binding, layering (file, VSWARM_ environment, command line), OVS defaults and validation errors.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private static readonly IDictionary NoEnv = new Dictionary<string, string>();
    private readonly string _dir = Directory.CreateTempSubdirectory("vswarm-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "vswarm.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string RepoFile()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "VSwarm.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return Path.Combine(dir ?? throw new InvalidOperationException("repo root not found"), "vswarm.json");
    }

    private VSwarmConfigException Invalid(string json, IDictionary? env = null, string[]? args = null) =>
        Assert.Throws<VSwarmConfigException>(() => VSwarmConfiguration.Load(Write(json), env ?? NoEnv, args));

    [Fact]
    public void The_shipped_vswarm_json_is_valid_and_uses_ovs_defaults()
    {
        var o = VSwarmConfiguration.Load(RepoFile(), NoEnv);
        Assert.Equal(["br0", "br1"], o.Bridges.Select(b => b.Name));
        var br0 = o.Bridges[0];
        Assert.Equal(200_000, br0.FlowLimit);
        Assert.Equal(10_000, br0.MaxIdleMs);
        Assert.Equal(500, br0.MaxRevalidatorMs);
        Assert.Equal(3000, o.Node.LeaseTtlMs);
        Assert.Equal(10, Assert.Single(br0.Links).PeerOfport);
    }

    [Fact]
    public void Omitted_keys_take_the_defaults()
    {
        var o = VSwarmConfiguration.Load(Write("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 7 } ] } ] }"""), NoEnv);
        Assert.Equal("node-1", o.Node.Name);
        Assert.Equal(["http://127.0.0.1:2379"], o.Node.EffectiveEtcdEndpoints);
        Assert.Equal(3000, o.Node.LeaseTtlMs);
        var b = Assert.Single(o.Bridges);
        Assert.Equal("br0-p1", Assert.Single(b.Ports).Name);
        Assert.Equal("tss", b.Classifier);
        Assert.Equal("nw_dst,nw_src", b.Prefixes);
        Assert.Equal((1, 2, 1), (b.Shards, b.Handlers, b.Revalidators));
        Assert.Equal((200_000, 10_000, 500, 5), (b.FlowLimit, b.MaxIdleMs, b.MaxRevalidatorMs, b.MinRevalidatePps));
        Assert.Equal((8192, 100), (b.EmcSize, b.EmcInsertInvProb));
        Assert.Equal((400, 128, 30), (b.Sflow.Sampling, b.Sflow.Header, b.Sflow.Polling));
        Assert.False(b.Sflow.Enabled);
    }

    [Fact]
    public void Environment_overrides_the_file_and_the_command_line_overrides_both()
    {
        var path = Write("""{ "bridges": [ { "name": "br0", "shards": 2, "handlers": 3 } ] }""");
        var env = new Dictionary<string, string>
        {
            ["VSWARM_bridges__0__shards"] = "4",
            ["VSWARM_bridges__0__handlers"] = "5",
            ["VSWARM_node__name"] = "n7",
            ["OTHER_bridges__0__shards"] = "99",
        };
        var o = VSwarmConfiguration.Load(path, env, ["--bridges:0:handlers=6"]);
        Assert.Equal(4, o.Bridges[0].Shards);
        Assert.Equal(6, o.Bridges[0].Handlers);
        Assert.Equal("n7", o.Node.Name);
    }

    [Fact]
    public void Sflow_collectors_and_per_flow_selectors_bind()
    {
        var o = VSwarmConfiguration.Load(Write("""
            { "bridges": [ { "name": "br0", "sflow": {
                "agent": "10.0.0.1", "collectors": [ "127.0.0.1", "collector.local:9999", "[::1]:6344" ],
                "sampling": 64, "flows": [ { "cookie": "0x1200", "mask": "0xff00", "sampling": 10 }, { "cookie": "7" } ] } } ] }
            """), NoEnv);
        var s = o.Bridges[0].Sflow;
        Assert.True(s.Enabled);
        Assert.Equal(
            [("127.0.0.1", 6343), ("collector.local", 9999), ("::1", 6344)],
            s.Collectors.Select(c => VSwarmConfiguration.ParseCollector(c)!.Value));
        Assert.Equal((0x1200UL, 0xff00UL, (int?)10), (s.Flows[0].CookieValue, s.Flows[0].MaskValue, s.Flows[0].Sampling));
        Assert.Equal((7UL, ulong.MaxValue, (int?)null), (s.Flows[1].CookieValue, s.Flows[1].MaskValue, s.Flows[1].Sampling));
    }

    [Theory]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 1 }, { "ofport": 0, "ifindex": 2 } ] } ] }""", "bridges:0:ports:1:ofport must be 1..65279")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 65280, "ifindex": 2 } ] } ] }""", "bridges:0:ports:0:ofport must be 1..65279")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 0 } ] } ] }""", "bridges:0:ports:0:ifindex must be >= 1")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 1 }, { "ofport": 1, "ifindex": 2 } ] } ] }""", "bridges:0:ports:1:ofport 1 is used twice")]
    [InlineData("""{ "bridges": [ { "name": "br0" }, { "name": "br0" } ] }""", "bridges:1:name 'br0' is already used by bridges:0")]
    [InlineData("""{ "bridges": [ { "name": "br0", "classifier": "hypercuts" } ] }""", "bridges:0:classifier must be 'tss' or 'dt' (got 'hypercuts')")]
    [InlineData("""{ "bridges": [ { "name": "br0", "classifier": "hash" } ] }""", "bridges:0:classifier must be 'tss'")]
    [InlineData("""{ "bridges": [ { "name": "br0", "prefixes": "nw_dst,tp_dst" } ] }""", "bridges:0:prefixes tp_dst cannot be used as a prefix field")]
    [InlineData("""{ "bridges": [ { "name": "br0", "maxIdleMs": 100 } ] }""", "bridges:0:maxIdleMs must be >= 500")]
    [InlineData("""{ "bridges": [ { "name": "br0", "maxRevalidatorMs": 99 } ] }""", "bridges:0:maxRevalidatorMs must be >= 100")]
    [InlineData("""{ "bridges": [ { "name": "br0", "shards": 0 } ] }""", "bridges:0:shards must be 1..1024")]
    [InlineData("""{ "bridges": [ { "name": "br0", "emcSize": 1000 } ] }""", "bridges:0:emcSize must be 0 or a power of two")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 1 } ], "links": [ { "ofport": 1, "peerBridge": "br9", "peerOfport": 1 } ] } ] }""", "bridges:0:links:0:peerBridge 'br9' is not a configured bridge")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 1 } ], "links": [ { "ofport": 2, "peerBridge": "br1", "peerOfport": 1 } ] }, { "name": "br1" } ] }""", "bridges:0:links:0:ofport 2 is not a port of bridge br0")]
    [InlineData("""{ "bridges": [ { "name": "br0", "ports": [ { "ofport": 1, "ifindex": 1 } ], "links": [ { "ofport": 1, "peerBridge": "br1", "peerOfport": 3 } ] }, { "name": "br1" } ] }""", "bridges:0:links:0:peerOfport 3 is not a port of bridge br1")]
    [InlineData("""{ "bridges": [ { "name": "br0", "sflow": { "collectors": [ "host:0" ] } } ] }""", "bridges:0:sflow:collectors:0 must be host[:port]")]
    [InlineData("""{ "bridges": [ { "name": "br0", "sflow": { "agent": "not-an-ip" } } ] }""", "bridges:0:sflow:agent must be an IP address")]
    [InlineData("""{ "bridges": [ { "name": "br0", "sflow": { "sampling": 0 } } ] }""", "bridges:0:sflow:sampling must be >= 1")]
    [InlineData("""{ "bridges": [ { "name": "br0", "sflow": { "flows": [ { "cookie": "0xZZ" } ] } } ] }""", "bridges:0:sflow:flows:0:cookie must be a 64-bit number")]
    [InlineData("""{ "node": { "listen": "nowhere" } }""", "node:listen must be address:port")]
    [InlineData("""{ "node": { "leaseTtlMs": 10 } }""", "node:leaseTtlMs must be 1000..3600000")]
    [InlineData("""{ "node": { "etcdEndpoints": [ "tcp://x" ] } }""", "node:etcdEndpoints:0 must be an http(s) URL")]
    public void Validation_errors_name_the_key(string json, string expected)
    {
        var ex = Invalid(json);
        Assert.Contains(ex.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var ex = Invalid("""{ "bridges": [ { "name": "", "shards": 0, "handlers": 0 } ] }""");
        Assert.Equal(3, ex.Errors.Count);
    }

    [Fact]
    public void Unknown_keys_and_bad_values_are_errors_naming_the_key()
    {
        var unknown = Invalid("""{ "bridges": [ { "name": "br0", "flowLimt": 5 } ] }""");
        Assert.StartsWith("bridges:0:flowLimt is not a known key", Assert.Single(unknown.Errors), StringComparison.Ordinal);
        var bad = Invalid("""{ "bridges": [ { "name": "br0", "shards": "many" } ] }""");
        Assert.Contains("bridges:0:shards must be an integer (got 'many')", bad.Message, StringComparison.Ordinal);
        var fromEnv = Invalid("""{ "bridges": [ { "name": "br0" } ] }""", new Dictionary<string, string> { ["VSWARM_bridges__0__flowLimit"] = "-1" });
        Assert.Contains("bridges:0:flowLimit must be >= 1", fromEnv.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_without_a_section_are_not_configuration_but_a_misspelt_section_is_an_error()
    {
        var path = Write("""{ "bridges": [ { "name": "br0" } ] }""");
        var o = VSwarmConfiguration.Load(path, new Dictionary<string, string> { ["VSWARM_TEST_TIMEFACTOR"] = "3" });
        Assert.Equal("br0", o.Bridges[0].Name);
        var typo = Invalid("""{ "bridges": [ { "name": "br0" } ] }""", new Dictionary<string, string> { ["VSWARM_nodes__name"] = "n1" });
        Assert.Contains("nodes", typo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_config_error()
    {
        var ex = Assert.Throws<VSwarmConfigException>(() => VSwarmConfiguration.Load(Path.Combine(_dir, "nope.json"), NoEnv));
        Assert.Contains("nope.json", ex.Message, StringComparison.Ordinal);
    }
}
