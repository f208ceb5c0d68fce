using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Datapath;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;
using Xunit;

namespace VSwarm.Tests.Cluster.Remoting;

public class RemoteMessageRegistryTests
{
    private static readonly RemoteMessageRegistry Registry = RemoteMessageRegistry.Default;

    internal static DpifExecute Execute(Random r)
    {
        var meta = default(FlowKey);
        meta.InPort = (uint)r.Next(1, 100);
        var frame = FrameGen.Bytes(r, r.Next(14, 200));
        return new DpifExecute(new ByteBlob(frame), meta, new DpActions([new OutputAction((uint)r.Next(1, 10))]));
    }

    private static object RoundTrip(object message, out IRemoteMessageCodec codec)
    {
        codec = Registry.ForMessage(message) ?? throw new InvalidOperationException($"{message.GetType().Name} is not registered");
        var w = new NetlinkWriter();
        codec.Encode(message, w);
        var byId = Registry.ForId(codec.TypeId);
        Assert.Same(codec, byId);
        return byId!.Decode(w.WrittenSpan);
    }

    [Fact]
    public void Dpif_messages_travel_in_their_netlink_encoding() =>
        Prop.ForAll(FrameGen.Arb(r => (DpifMessage)(r.Next(4) switch
        {
            0 => Execute(r),
            1 => r.Next(2) == 0 ? new DpifReply(DpifErrno.ENOENT) : new DpifReply(0, new FlowStats((ulong)r.Next(), (ulong)r.Next(), null, 0)),
            2 => new DpifFlowDumpRequest(r.Next(2) == 0, (uint)r.Next(1, 100)),
            _ => new DpifFlowGet(null, new Ufid(new UInt128((ulong)r.NextInt64(), (ulong)r.NextInt64()))),
        })), m =>
        {
            var back = RoundTrip(m, out var codec);
            Assert.Equal(1, codec.TypeId);
            Assert.Equal(m, back);
        }).Check(FrameGen.Quick);

    [Fact]
    public void PacketsIn_round_trips_including_large_batches() =>
        Prop.ForAll(FrameGen.Arb(r => new PacketsIn(Enumerable.Range(0, r.Next(0, 40))
            .Select(_ => new Packet(FrameGen.Bytes(r, r.Next(14, 1600)), (uint)r.Next(1, 1000))).ToImmutableArray())), m =>
        {
            var back = (PacketsIn)RoundTrip(m, out _);
            Assert.Equal(m.Packets.Length, back.Packets.Length);
            for (var i = 0; i < m.Packets.Length; i++)
            {
                Assert.Equal(m.Packets[i].InPort, back.Packets[i].InPort);
                Assert.Equal(m.Packets[i].Frame, back.Packets[i].Frame);
            }
        }).Check(FrameGen.Quick);

    [Fact]
    public void PacketsOut_keeps_the_difference_between_no_frames_and_empty_frames()
    {
        var none = (PacketsOut)RoundTrip(new PacketsOut("br0", 3, 10, 1500), out var codec);
        Assert.Equal(3, codec.TypeId);
        Assert.True(none.Frames.IsDefault);
        Assert.Equal(("br0", 3, 10L, 1500L), (none.Bridge, none.Port, none.Packets, none.Bytes));

        var empty = (PacketsOut)RoundTrip(new PacketsOut("br0", -1, 0, 0, []), out _);
        Assert.False(empty.Frames.IsDefault);
        Assert.Empty(empty.Frames);
        Assert.Equal(-1, empty.Port);

        var two = (PacketsOut)RoundTrip(new PacketsOut("brЖ", 2, 2, 6, [[1, 2, 3], [4, 5, 6]]), out _);
        Assert.Equal("brЖ", two.Bridge);
        Assert.Equal(new byte[] { 4, 5, 6 }, two.Frames[1]);
    }

    [Fact]
    public void Cluster_control_messages_round_trip()
    {
        Assert.Equal(new ClusterPing(-5), RoundTrip(new ClusterPing(-5), out var c1));
        Assert.Equal(new ClusterPong(long.MaxValue, "node-b"), RoundTrip(new ClusterPong(long.MaxValue, "node-b"), out var c2));
        Assert.Equal((16, 17), (c1.TypeId, c2.TypeId));
    }

    [Fact]
    public void The_registry_is_closed()
    {
        Assert.Null(Registry.ForMessage("a string"));
        Assert.Null(Registry.ForMessage(new BridgeStatsProbe()));
        Assert.Null(Registry.ForId(999));
        Assert.Equal(new ushort[] { 1, 2, 3, 16, 17 }, Registry.Codecs.Select(c => c.TypeId));
    }

    [Fact]
    public void Added_codecs_must_not_clash()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RemoteMessageRegistry.Builder().Add(new ProbeCodec(16, typeof(BridgeStatsProbe))).Build());
        Assert.Contains("type id 16 is already used by cluster-ping", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new RemoteMessageRegistry.Builder().Add(new ProbeCodec(0x100, typeof(ClusterPing))).Build());
        Assert.Contains("ClusterPing is already registered", ex.Message, StringComparison.Ordinal);

        var extended = new RemoteMessageRegistry.Builder().Add(new ProbeCodec(0x100, typeof(BridgeStatsProbe))).Build();
        Assert.Equal(0x100, extended.ForMessage(new BridgeStatsProbe())!.TypeId);
        Assert.Null(Registry.ForMessage(new BridgeStatsProbe()));
    }

    [Fact]
    public void Malformed_payloads_fail_with_a_decode_error_naming_the_attribute()
    {
        var codec = Registry.ForId(2)!;
        var w = new NetlinkWriter();
        var n = w.BeginNested(1);
        w.PutU32(1, 7); // in_port but no frame
        w.EndNested(n);
        var ex = Assert.Throws<DpifDecodeException>(() => codec.Decode(w.WrittenSpan));
        Assert.Contains("VS_PKT_FRAME is missing", ex.Message, StringComparison.Ordinal);

        var pong = Registry.ForId(17)!;
        w.Reset();
        w.PutU64(1, 1);
        w.PutBytes(2, "abc"u8); // not NUL-terminated
        ex = Assert.Throws<DpifDecodeException>(() => pong.Decode(w.WrittenSpan));
        Assert.Contains("NUL-terminated", ex.Message, StringComparison.Ordinal);

        var r = new Random(7);
        foreach (var c in Registry.Codecs)
        {
            for (var i = 0; i < 2000; i++)
            {
                var junk = FrameGen.Bytes(r, r.Next(0, 64));
                try
                {
                    c.Decode(junk);
                }
                catch (DpifDecodeException)
                {
                }
            }
        }
    }

    private sealed record BridgeStatsProbe;

    private sealed class ProbeCodec(ushort id, Type type) : IRemoteMessageCodec
    {
        public ushort TypeId => id;

        public string Name => "probe";

        public IReadOnlyList<Type> MessageTypes => [type];

        public void Encode(object message, NetlinkWriter writer)
        {
        }

        public object Decode(ReadOnlySpan<byte> payload) => new BridgeStatsProbe();
    }
}
