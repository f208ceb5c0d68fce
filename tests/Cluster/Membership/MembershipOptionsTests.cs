using VSwarm.Actors.Config;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using Xunit;

namespace VSwarm.Tests.Cluster.Membership;

public sealed class MembershipOptionsTests
{
    [Theory]
    [InlineData(500, 100, "below 1 s")]
    [InlineData(3000, 0, "safety margin")]
    [InlineData(3000, 2000, "safety margin")]
    public void Settings_that_cannot_fence_safely_are_refused_with_the_reason(int ttlMs, int marginMs, string expected)
    {
        var o = new MembershipOptions { LeaseTtl = TimeSpan.FromMilliseconds(ttlMs), SafetyMargin = TimeSpan.FromMilliseconds(marginMs) };
        var e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_config_errors_name_their_key()
    {
        var options = new VSwarmOptions { Node = new NodeOptions { LeaseTtlMs = 3000, FenceMarginMs = 2500, StatusIntervalMs = 10 } };
        var errors = VSwarmConfiguration.Validate(options);
        Assert.Contains(errors, e => e.StartsWith("node:fenceMarginMs", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("node:statusIntervalMs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/vswarm/bridges/br0/owner", true, "br0", "owner")]
    [InlineData("/vswarm/bridges/br0/", false, "", "")]
    [InlineData("/vswarm/members/n1", false, "", "")]
    public void Bridge_keys_split_into_bridge_and_leaf(string key, bool ok, string bridge, string leaf)
    {
        Assert.Equal(ok, ClusterKeys.TryParseBridgeKey(key, out var b, out var l));
        Assert.Equal(bridge, b);
        Assert.Equal(leaf, l);
        Assert.Throws<ArgumentException>(() => ClusterKeys.ValidateName("a/b", "node"));
    }
}
