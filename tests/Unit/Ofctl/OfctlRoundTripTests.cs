using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using Xunit;

namespace VSwarm.Tests.Unit.Ofctl;

public class OfctlRoundTripTests
{
    [Fact]
    public void Parse_of_format_is_identity_for_random_valid_rules()
    {
        Prop.ForAll(RuleGen.RuleArb, r =>
        {
            var text = OfctlFlowFormatter.Format(r);
            var back = OfctlFlowParser.ParseFlow(text);
            if (back != r)
            {
                throw new InvalidOperationException($"round trip changed the rule:\n{text}\n{OfctlFlowFormatter.Format(back)}");
            }

            return OfctlFlowFormatter.Format(back) == text;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Many_seeds_round_trip()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var r = RuleGen.Build(new Random(seed));
            var text = OfctlFlowFormatter.Format(r);
            var back = OfctlFlowParser.ParseFlow(text, $"seed{seed}");
            Assert.True(back == r, $"seed {seed}: {text} -> {OfctlFlowFormatter.Format(back)}");
        }
    }

    [Fact]
    public void A_file_of_formatted_rules_parses_back_in_order()
    {
        var rules = Enumerable.Range(0, 50).Select(s => RuleGen.Build(new Random(10_000 + s))).ToList();
        var file = "# generated\n\n" + string.Join("\n", rules.Select(OfctlFlowFormatter.Format)) + "\n";
        var result = OfctlFlowParser.ParseFile(file, "gen.txt");
        Assert.True(result.Success, string.Join("\n", result.Errors.Select(e => e.Message)));
        Assert.Equal(rules, result.Rules);
    }

    [Fact]
    public void Rules_and_action_lists_have_value_equality()
    {
        var a = OfctlFlowParser.ParseFlow("priority=5,tcp,tp_dst=80,actions=output:1,load:1->reg0[0..3]");
        var b = OfctlFlowParser.ParseFlow("tcp,tp_dst=80,priority=5,actions=1,load:0x1->NXM_NX_REG0[0..3]");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Actions = [new OutputAction(1)] });
        OfActionList l1 = [new OutputAction(1), new DecTtlAction()];
        OfActionList l2 = [new OutputAction(1), new DecTtlAction()];
        Assert.Equal(l1, l2);
        Assert.Equal(l1.GetHashCode(), l2.GetHashCode());
    }
}
