using System.Collections.Immutable;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Helpers for scenarios over a complete bridge on virtual time.</summary>
public abstract class DatapathScenarioBase : TestKit.TestKit
{
    protected DatapathScenarioBase()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    protected static BridgeOptions Options(string name = "br0", int shards = 1, int handlers = 2, int revalidators = 1) => new()
    {
        Name = name,
        Ports =
        [
            new PortOptions { Name = $"{name}-p1", Ofport = 1, Ifindex = 11 },
            new PortOptions { Name = $"{name}-p2", Ofport = 2, Ifindex = 12 },
            new PortOptions { Name = $"{name}-p3", Ofport = 3, Ifindex = 13 },
        ],
        Shards = shards,
        Handlers = handlers,
        Revalidators = revalidators,
        EmcInsertInvProb = 1,
    };

    protected (IActorRef Bridge, BridgeRuntime Runtime) StartBridge(BridgeOptions options, BridgeFactorySettings? settings = null)
    {
        var rt = BridgeFactory.CreateRuntime(new BridgeState(options), settings);
        var bridge = Sys.ActorOf(BridgeFactory.Create(rt), options.Name);
        return (bridge, rt);
    }

    protected FlowModResult Flows(IActorRef bridge, object flowMod)
    {
        bridge.Tell(flowMod, TestActor);
        var r = ExpectMsg<FlowModResult>();
        Assert.True(r.IsSuccess, r.ToString());
        return r;
    }

    protected FlowModResult AddFlowsText(IActorRef bridge, string text) => Flows(bridge, AddFlows.FromText(text));

    public static uint Ip(string dotted)
    {
        var p = dotted.Split('.').Select(x => uint.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    }

    /// <summary>An IPv4 TCP key.</summary>
    public static FlowKey Tcp(uint inPort, string dst, ushort tpDst = 80, string src = "192.168.0.1", ushort tpSrc = 1234)
    {
        var k = default(FlowKey);
        k.InPort = inPort;
        k.DlDst = 0x020000000002;
        k.DlSrc = 0x020000000001;
        k.DlType = 0x0800;
        k.NwSrc = Ip(src);
        k.NwDst = Ip(dst);
        k.NwProto = 6;
        k.NwTtl = 64;
        k.TpSrc = tpSrc;
        k.TpDst = tpDst;
        k.TcpFlags = 0x10;
        return k;
    }

    public static Packet Pkt(in FlowKey key) => new(PacketBuilder.Build(key, 10), key.InPort);

    protected static void Send(IActorRef bridge, params FlowKey[] keys) =>
        bridge.Tell(new PacketsIn([.. keys.Select(k => Pkt(k))]));

    protected BridgeStats Stats(IActorRef bridge)
    {
        bridge.Tell(GetBridgeStats.Instance, TestActor);
        return ExpectMsg<BridgeStats>();
    }

    /// <summary>Waits until the stats satisfy <paramref name="assert"/> (the pipeline runs on other threads).</summary>
    protected BridgeStats AwaitStats(IActorRef bridge, Action<BridgeStats> assert)
    {
        BridgeStats? last = null;
        AwaitAssert(() =>
        {
            last = Stats(bridge);
            assert(last);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(5));
        return last!;
    }

    /// <summary>Runs a revalidation round that starts after this call and waits for its end.</summary>
    protected RevalidationRoundCompleted Revalidate(IActorRef bridge)
    {
        bridge.Tell(RevalidateNow.Instance, TestActor);
        return ExpectMsg<RevalidationRoundCompleted>(TimeSpan.FromSeconds(5));
    }

    protected DatapathFlowsDump DumpDp(IActorRef bridge)
    {
        bridge.Tell(DumpDatapathFlows.Instance, TestActor);
        return ExpectMsg<DatapathFlowsDump>();
    }

    protected FlowDump DumpOf(IActorRef bridge)
    {
        bridge.Tell(new DumpFlows(), TestActor);
        return ExpectMsg<FlowDump>();
    }

    protected PortStatus Port(IActorRef bridge, int ofport)
    {
        bridge.Tell(GetPorts.Instance, TestActor);
        return ExpectMsg<Ports>().Items.Single(p => p.Ofport == ofport);
    }

    /// <summary>A revalidation round after the last flow-mod, then both invariants.</summary>
    protected void CheckInvariants(IActorRef bridge, BridgeRuntime rt)
    {
        Revalidate(bridge);
        Invariants.All(DumpDp(bridge), rt);
    }

    protected static ImmutableArray<string> Lines(DatapathFlowsDump d) => [.. d.Shards.SelectMany(s => s)];
}
