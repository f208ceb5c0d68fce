using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Actors.Config;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Durable;

public sealed class RuleTextTests
{
    [Fact]
    public void Apply_follows_the_bridge_semantics_and_orders_the_text()
    {
        var (text, error) = RuleText.Apply(string.Empty, FlowModText.ParseAddFlows("priority=10,ip actions=drop\npriority=20,tcp,tp_dst=80 actions=output:2\ntable=1,priority=5 actions=drop\n"));
        Assert.Null(error);
        var lines = text!.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains("tp_dst=80", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("table=1", lines[2], StringComparison.Ordinal);

        var (afterDel, _) = RuleText.Apply(text, [FlowModText.Parse(FlowModCommand.Delete, "tcp")]);
        Assert.DoesNotContain("tp_dst=80", afterDel!, StringComparison.Ordinal);
        Assert.Equal(2, RuleText.Parse(afterDel!).Count);

        var (none, _) = RuleText.Apply(text, [FlowModText.Parse(FlowModCommand.Delete, string.Empty)]);
        Assert.Equal(string.Empty, none);
    }

    [Fact]
    public void Diff_turns_one_rule_set_into_the_other()
    {
        var from = RuleText.Apply(string.Empty, FlowModText.ParseAddFlows("priority=10,ip actions=drop\npriority=20,udp actions=output:1\n")).Text!;
        var to = RuleText.Apply(string.Empty, FlowModText.ParseAddFlows("priority=10,ip actions=drop\npriority=30,arp actions=normal\n")).Text!;
        var mods = RuleText.Diff(from, to);
        Assert.Equal(2, mods.Count);
        var (applied, error) = RuleText.Apply(from, mods);
        Assert.Null(error);
        Assert.Equal(to, applied);
    }

    [Fact]
    public async Task Commit_refuses_an_undefined_bridge_and_a_bad_batch_and_writes_nothing()
    {
        var store = new InMemoryCoordinationStore(new VirtualTimeScheduler()).ForNode("admin");
        var durable = new DurableBridgeStore(store);
        var missing = await durable.CommitAsync("nope", FlowModText.ParseAddFlows("actions=drop"));
        Assert.False(missing.Committed);
        Assert.Contains("not defined", missing.Error, StringComparison.Ordinal);

        await durable.PutConfigAsync(new BridgeOptions { Name = "br0" });
        var ok = await durable.CommitAsync("br0", FlowModText.ParseAddFlows("priority=5,ip actions=drop"));
        Assert.True(ok.Committed);
        Assert.Equal(1, ok.Rules);

        var overlap = await durable.CommitAsync("br0", [FlowModText.Parse(FlowModCommand.Add, "priority=5,ip,nw_src=10.0.0.1 actions=drop", checkOverlap: true)]);
        Assert.False(overlap.Committed);
        var (text, rev) = await durable.GetFlowsAsync("br0");
        Assert.Equal(ok.Revision, rev);
        Assert.Single(RuleText.Parse(text));
    }
}
