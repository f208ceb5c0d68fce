using System.Collections;
using VSwarm.Actors.Config;
using Xunit;

namespace VSwarm.Tests.Cluster.Links;

public sealed class NodeLinkConfigTests
{
    private static VSwarmOptions Load(Hashtable env, params string[] args) => VSwarmConfiguration.Load(null, env, args);

    [Fact]
    public void The_secret_comes_from_VSWARM_NODE__SECRET_and_the_cluster_name_defaults_to_vswarm()
    {
        var o = Load(new Hashtable { ["VSWARM_NODE__SECRET"] = "sixteen bytes at least" });
        Assert.Equal("sixteen bytes at least", o.Node.Secret);
        Assert.Equal("vswarm", o.Node.Cluster);
        Assert.Equal("", Load(new Hashtable()).Node.Secret);
    }

    [Fact]
    public void A_short_secret_or_an_empty_cluster_name_is_an_error_naming_the_key()
    {
        var ex = Assert.Throws<VSwarmConfigException>(() => Load(new Hashtable { ["VSWARM_NODE__SECRET"] = "short" }));
        Assert.Contains(ex.Errors, e => e.Contains("node:secret", StringComparison.Ordinal));
        var ex2 = Assert.Throws<VSwarmConfigException>(() => Load(new Hashtable(), "--node:cluster="));
        Assert.Contains(ex2.Errors, e => e.Contains("node:cluster", StringComparison.Ordinal));
    }
}
