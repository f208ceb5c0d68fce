using System.Collections.Immutable;
using System.Text;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Netlink;

namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// Id 1: every dpif message (upcalls, flow put/del/get, dump request and batch, execute, reply) in
/// its OVS netlink encoding from <see cref="DpifCodec"/>; the nlmsg type inside says which one.
/// </summary>
internal sealed class DpifMessageCodec : IRemoteMessageCodec
{
    public ushort TypeId => 1;

    public string Name => "dpif";

    public IReadOnlyList<Type> MessageTypes { get; } =
    [
        typeof(DpifUpcall), typeof(DpifFlowPut), typeof(DpifFlowDel), typeof(DpifFlowGet),
        typeof(DpifFlowDumpRequest), typeof(DpifFlowDumpBatch), typeof(DpifExecute), typeof(DpifReply),
    ];

    public void Encode(object message, NetlinkWriter writer) => ((DpifMessage)message).Encode(writer);

    public object Decode(ReadOnlySpan<byte> payload) => DpifCodec.Decode(payload);
}

/// <summary>
/// Id 2: <see cref="PacketsIn"/> — the frames a bridge receives on a patch port from a peer bridge
/// on another node. Attributes: one nested VS_PKT (1) per packet with VS_PKT_IN_PORT (u32) and
/// VS_PKT_FRAME (bytes). Packets are top-level so a batch is not capped at 64 KiB.
/// </summary>
internal sealed class PacketsInCodec : IRemoteMessageCodec
{
    private const ushort AttrPacket = 1;
    private const ushort AttrInPort = 1;
    private const ushort AttrFrame = 2;
    private static readonly NlAttrSpace Top = new("VS_PKTS_", id => id == AttrPacket ? "PACKET" : null);
    private static readonly NlAttrSpace Pkt = new("VS_PKT_", id => id switch { AttrInPort => "IN_PORT", AttrFrame => "FRAME", _ => null });

    public ushort TypeId => 2;

    public string Name => "packets-in";

    public IReadOnlyList<Type> MessageTypes { get; } = [typeof(PacketsIn)];

    public void Encode(object message, NetlinkWriter writer)
    {
        var m = (PacketsIn)message;
        foreach (var p in m.Packets.IsDefault ? [] : m.Packets)
        {
            var n = writer.BeginNested(AttrPacket);
            writer.PutU32(AttrInPort, p.InPort);
            writer.PutBytes(AttrFrame, p.Frame);
            writer.EndNested(n);
        }
    }

    public object Decode(ReadOnlySpan<byte> payload)
    {
        var r = new NetlinkReader(payload, 0, Top);
        var packets = ImmutableArray.CreateBuilder<Packet>();
        while (r.TryRead(out var a))
        {
            if (a.Type != AttrPacket)
            {
                continue;
            }

            uint? port = null;
            byte[]? frame = null;
            var seen = default(AttrSeen);
            var inner = a.Nested(Pkt);
            while (inner.TryRead(out var b))
            {
                seen.Add(b);
                switch (b.Type)
                {
                    case AttrInPort: port = b.U32(); break;
                    case AttrFrame: frame = b.Payload.ToArray(); break;
                }
            }

            if (port is null || frame is null)
            {
                throw a.Error(port is null ? "VS_PKT_IN_PORT is missing" : "VS_PKT_FRAME is missing");
            }

            packets.Add(new Packet(frame, port.Value));
        }

        return new PacketsIn(packets.ToImmutable());
    }
}

/// <summary>
/// Id 3: <see cref="PacketsOut"/> — what a bridge sent out of a port (with the frames, for patch
/// links). Attributes: BRIDGE (string), PORT (u32), PACKETS (u64), BYTES (u64), HAS_FRAMES (flag,
/// present when <c>Frames</c> is not default), then FRAME (bytes) per frame.
/// </summary>
internal sealed class PacketsOutCodec : IRemoteMessageCodec
{
    private const ushort AttrBridge = 1;
    private const ushort AttrPort = 2;
    private const ushort AttrPackets = 3;
    private const ushort AttrBytes = 4;
    private const ushort AttrHasFrames = 5;
    private const ushort AttrFrame = 6;
    private static readonly NlAttrSpace Space = new("VS_OUT_", id => id switch
    {
        AttrBridge => "BRIDGE", AttrPort => "PORT", AttrPackets => "PACKETS", AttrBytes => "BYTES",
        AttrHasFrames => "HAS_FRAMES", AttrFrame => "FRAME", _ => null,
    });

    public ushort TypeId => 3;

    public string Name => "packets-out";

    public IReadOnlyList<Type> MessageTypes { get; } = [typeof(PacketsOut)];

    public void Encode(object message, NetlinkWriter writer)
    {
        var m = (PacketsOut)message;
        Strings.Put(writer, AttrBridge, m.Bridge);
        writer.PutU32(AttrPort, unchecked((uint)m.Port));
        writer.PutU64(AttrPackets, unchecked((ulong)m.Packets));
        writer.PutU64(AttrBytes, unchecked((ulong)m.Bytes));
        if (!m.Frames.IsDefault)
        {
            writer.PutFlag(AttrHasFrames);
            foreach (var f in m.Frames)
            {
                writer.PutBytes(AttrFrame, f);
            }
        }
    }

    public object Decode(ReadOnlySpan<byte> payload)
    {
        var r = new NetlinkReader(payload, 0, Space);
        string? bridge = null;
        uint? port = null;
        ulong? packets = null, bytes = null;
        var hasFrames = false;
        var frames = ImmutableArray.CreateBuilder<byte[]>();
        var seen = default(AttrSeen);
        while (r.TryRead(out var a))
        {
            if (a.Type != AttrFrame)
            {
                seen.Add(a);
            }

            switch (a.Type)
            {
                case AttrBridge: bridge = Strings.Get(a); break;
                case AttrPort: port = a.U32(); break;
                case AttrPackets: packets = a.U64(); break;
                case AttrBytes: bytes = a.U64(); break;
                case AttrHasFrames: a.ExpectFlag(); hasFrames = true; break;
                case AttrFrame: frames.Add(a.Payload.ToArray()); break;
            }
        }

        if (bridge is null || port is null || packets is null || bytes is null)
        {
            throw new DpifDecodeException("a required attribute is missing", payload.Length, "VS_OUT_BRIDGE/PORT/PACKETS/BYTES", null);
        }

        if (!hasFrames && frames.Count > 0)
        {
            throw new DpifDecodeException("VS_OUT_FRAME without VS_OUT_HAS_FRAMES", payload.Length, "VS_OUT_FRAME", AttrFrame);
        }

        return new PacketsOut(bridge, unchecked((int)port.Value), unchecked((long)packets.Value), unchecked((long)bytes.Value),
            hasFrames ? frames.ToImmutable() : default);
    }
}

/// <summary>Id 16: <see cref="ClusterPing"/> (ID u64).</summary>
internal sealed class ClusterPingCodec : IRemoteMessageCodec
{
    private static readonly NlAttrSpace Space = new("VS_PING_", id => id == 1 ? "ID" : null);

    public ushort TypeId => 16;

    public string Name => "cluster-ping";

    public IReadOnlyList<Type> MessageTypes { get; } = [typeof(ClusterPing)];

    public void Encode(object message, NetlinkWriter writer) => writer.PutU64(1, unchecked((ulong)((ClusterPing)message).Id));

    public object Decode(ReadOnlySpan<byte> payload)
    {
        var r = new NetlinkReader(payload, 0, Space);
        ulong? id = null;
        var seen = default(AttrSeen);
        while (r.TryRead(out var a))
        {
            seen.Add(a);
            if (a.Type == 1)
            {
                id = a.U64();
            }
        }

        return new ClusterPing(unchecked((long)(id ?? throw new DpifDecodeException("VS_PING_ID is missing", payload.Length, "VS_PING_ID", 1))));
    }
}

/// <summary>Id 17: <see cref="ClusterPong"/> (ID u64, NODE string).</summary>
internal sealed class ClusterPongCodec : IRemoteMessageCodec
{
    private static readonly NlAttrSpace Space = new("VS_PONG_", id => id switch { 1 => "ID", 2 => "NODE", _ => null });

    public ushort TypeId => 17;

    public string Name => "cluster-pong";

    public IReadOnlyList<Type> MessageTypes { get; } = [typeof(ClusterPong)];

    public void Encode(object message, NetlinkWriter writer)
    {
        var m = (ClusterPong)message;
        writer.PutU64(1, unchecked((ulong)m.Id));
        Strings.Put(writer, 2, m.Node);
    }

    public object Decode(ReadOnlySpan<byte> payload)
    {
        var r = new NetlinkReader(payload, 0, Space);
        ulong? id = null;
        string? node = null;
        var seen = default(AttrSeen);
        while (r.TryRead(out var a))
        {
            seen.Add(a);
            switch (a.Type)
            {
                case 1: id = a.U64(); break;
                case 2: node = Strings.Get(a); break;
            }
        }

        if (id is null || node is null)
        {
            throw new DpifDecodeException(id is null ? "VS_PONG_ID is missing" : "VS_PONG_NODE is missing", payload.Length, "VS_PONG", null);
        }

        return new ClusterPong(unchecked((long)id.Value), node);
    }
}

/// <summary>NUL-terminated UTF-8 string attributes for the built-in codecs.</summary>
internal static class Strings
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public static void Put(NetlinkWriter w, ushort type, string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        var span = w.PutAttribute(type, n + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[n] = 0;
    }

    public static string Get(in NetlinkAttribute a)
    {
        var p = a.Payload;
        if (p.Length == 0 || p[^1] != 0 || p[..^1].IndexOf((byte)0) >= 0)
        {
            throw a.Error("not a NUL-terminated string");
        }

        try
        {
            return Strict.GetString(p[..^1]);
        }
        catch (DecoderFallbackException)
        {
            throw a.Error("string is not valid UTF-8");
        }
    }
}
