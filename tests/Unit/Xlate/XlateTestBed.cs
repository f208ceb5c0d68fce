using VSwarm.Actors.Tables;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Odp;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Tests.Unit.Xlate;

/// <summary>Builds a translator from ovs-ofctl rule text and traces packets in ofproto/trace syntax.</summary>
internal sealed class XlateTestBed
{
    public XlateTestBed(string rules, XlateBridge? bridge = null, IReadOnlyList<FlowField>? prefixes = null)
    {
        Tables = new OpenFlowTables(prefixes);
        var unique = new Dictionary<(byte, ushort, Match), OpenFlowRule>();
        foreach (var rule in OfctlFlowParser.ParseFileOrThrow(rules, "<rules>"))
        {
            unique[(rule.Table, rule.Priority, rule.Match)] = rule;
        }

        foreach (var rule in unique.Values)
        {
            Tables.Insert(new FlowEntry(rule, Tables.NextVersion));
        }

        Tables.Publish();
        Translator = new VSwarm.Actors.Xlate.Xlate(Tables, bridge ?? XlateBridge.WithPorts(4));
    }

    public OpenFlowTables Tables { get; }

    public VSwarm.Actors.Xlate.Xlate Translator { get; }

    public static FlowKey Packet(string text) => OfctlFlowParser.ParseFlow(text, "<packet>", requireActions: false).Match.Key;

    public XlateResult Translate(string packet, XlateTrace? trace = null) => Translator.Translate(Packet(packet), Tables.Version, trace);

    /// <summary>(Megaflow line, Datapath actions line) as ofproto/trace prints them.</summary>
    public (string Megaflow, string Actions) Trace(string packet)
    {
        var key = Packet(packet);
        var r = Translator.Translate(key, Tables.Version);
        return (MegaflowText.Format(key, r), OdpFormatter.FormatActions(r.Actions));
    }
}
