using BenchmarkDotNet.Attributes;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Bench.Netlink;

/// <summary>Netlink encode/decode of a FlowPut (§8.3 example 5 megaflow with sFlow) and of an Upcall.</summary>
[MemoryDiagnoser]
public class NetlinkCodecBenchmarks
{
    private readonly NetlinkWriter _writer = new(1024);
    private DpifFlowPut _put = null!;
    private DpifUpcall _upcall = null!;
    private byte[] _putBytes = [];
    private byte[] _upcallBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var k = default(FlowKey);
        k.InPort = 2;
        k.DlSrc = 0x5054_0000_0005;
        k.DlDst = 0x5054_0000_0007;
        k.DlType = 0x0800;
        k.NwSrc = 0xC0A80001;
        k.NwDst = 0xC0A80002;
        k.NwProto = 6;
        k.NwTtl = 128;
        k.TpSrc = 8;
        k.TpDst = 80;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.NwFrag, KeyAttrs.FragMask);
        m.UnwildcardPrefix(FlowFields.NwDst, 16);
        m.Unwildcard(FlowFields.NwProto);
        var cookie = new SflowCookie(2, Guid.NewGuid(), 0, 1004);
        var actions = DpActions.Of(
            new SampleAction(10737418, DpActions.Of(UserspaceAction.WithCookie(1234, cookie, includeActions: true))),
            new OutputAction(1));
        _put = new DpifFlowPut(FlowPutFlags.Create, new Match(k, m), actions, new Ufid(new UInt128(0x0123456789abcdef, 0xfedcba9876543210)));
        var packet = new byte[64];
        k.TcpFlags = 0x02;
        _upcall = new DpifUpcall(DpifUpcallType.Action, ByteBlob.FromOwned(packet), k, Userdata: new ByteBlob(cookie.ToBytes()), Hash: 0x1234);
        _putBytes = _put.ToNetlink();
        _upcallBytes = _upcall.ToNetlink();
    }

    [Benchmark]
    public int EncodeFlowPut()
    {
        _writer.Reset();
        _put.Encode(_writer);
        return _writer.Length;
    }

    [Benchmark]
    public DpifMessage DecodeFlowPut() => DpifCodec.Decode(_putBytes);

    [Benchmark]
    public int EncodeUpcall()
    {
        _writer.Reset();
        _upcall.Encode(_writer);
        return _writer.Length;
    }

    [Benchmark]
    public DpifMessage DecodeUpcall() => DpifCodec.Decode(_upcallBytes);
}
