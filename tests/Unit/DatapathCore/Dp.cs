using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Tests.Unit.DatapathCore;

/// <summary>Small builders for datapath tests: IPv4 TCP keys, masks, frames and puts.</summary>
public static class Dp
{
    public static uint Ip(string dotted)
    {
        var p = dotted.Split('.').Select(x => uint.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    }

    public static FlowKey Tcp(uint inPort, uint dst, ushort tpDst = 80, uint src = 0x0a000001, ushort tpSrc = 1234, ushort flags = 0x10)
    {
        var k = default(FlowKey);
        k.InPort = inPort;
        k.DlDst = 0x020000000002;
        k.DlSrc = 0x020000000001;
        k.DlType = 0x0800;
        k.NwSrc = src;
        k.NwDst = dst;
        k.NwProto = 6;
        k.NwTtl = 64;
        k.TpSrc = tpSrc;
        k.TpDst = tpDst;
        k.TcpFlags = flags;
        return k;
    }

    /// <summary>A mask of in_port, eth_type, and a /<paramref name="dstPrefix"/> IPv4 destination (plus tp_dst when asked).</summary>
    public static FlowMask Mask(int dstPrefix, bool tpDst = false, bool inPort = true)
    {
        var m = default(FlowMask);
        if (inPort)
        {
            m.Unwildcard(FlowFields.InPort);
        }

        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.DlType);
        m.UnwildcardPrefix(FlowFields.NwDst, dstPrefix);
        if (tpDst)
        {
            m.Unwildcard(FlowFields.TpDst);
        }

        return m;
    }

    public static DpifFlowPut Create(in FlowKey key, in FlowMask mask, DpActions actions, ulong ufid) =>
        new(FlowPutFlags.Create, new Match(key, mask), actions, new Ufid(ufid));

    public static DpActions Out(uint port) => DpActions.Of(new OutputAction(port));

    public static byte[] Frame(in FlowKey key, int payload = 0) => PacketBuilder.Build(key, payload);
}
