using VSwarm.Actors.Classifier;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// Shorthands for the classifier tests over the project's ovs-ofctl parser: rules, ofproto/trace
/// packets and "Megaflow:" lines are all OpenFlow match syntax.
/// </summary>
internal static class OfText
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Ipv6 = 0x86DD;
    public const ushort Arp = 0x0806;

    /// <summary>Parses a rule, packet or megaflow; priority and actions ("output:3", "drop") are returned apart.</summary>
    public static Match Parse(string text, out int priority, out string actions)
    {
        var rule = OfctlFlowParser.ParseFlow(text, requireActions: false);
        priority = rule.Priority;
        actions = OfctlFlowFormatter.FormatActions(rule.Actions);
        return rule.Match;
    }

    /// <summary>A classifier rule whose payload is its actions text.</summary>
    public static ClassifierRule<string> Rule(string text, ulong version = 0)
    {
        var m = Parse(text, out var priority, out var actions);
        return new ClassifierRule<string>(m, priority, actions, version);
    }

    /// <summary>Parses a packet in trace syntax: the values of the mentioned fields, everything else 0.</summary>
    public static FlowKey Packet(string text) => Parse(text, out _, out _).Key;

    /// <summary>The mask translation starts from before the first table lookup (xlate_wc_init).</summary>
    public static FlowMask InitialWildcards(in FlowKey packet) => MegaflowWildcards.Initial(packet);

    public static uint Ipv4Value(string dotted) =>
        OfctlValues.TryParseIpv4(dotted, out var v) ? v : throw new FormatException(dotted);

    public static UInt128 Ipv6Value(string text) =>
        OfctlValues.TryParseIpv6(text, out var v) ? v : throw new FormatException(text);
}
