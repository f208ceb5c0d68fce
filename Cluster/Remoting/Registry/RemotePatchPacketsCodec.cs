using System.Collections.Immutable;
using System.Text;
using VSwarm.Messages.Netlink;

namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// Id 0x100: <see cref="RemotePatchPackets"/>. Attributes: FROM (string), TOKEN (u64), PEER
/// (string), PEER_PORT (u32), then FRAME (bytes) per frame, top-level so a batch is not capped at
/// one attribute's 64 KiB. <see cref="EncodedSize"/> gives the exact payload length, so a batch can
/// be checked against the frame size limit before it is queued.
/// </summary>
public sealed class RemotePatchPacketsCodec : IRemoteMessageCodec
{
    /// <summary>The wire id (the first of the cluster side's range).</summary>
    public const ushort Id = 0x100;

    private const ushort AttrFrom = 1;
    private const ushort AttrToken = 2;
    private const ushort AttrPeer = 3;
    private const ushort AttrPeerPort = 4;
    private const ushort AttrFrame = 5;
    private static readonly NlAttrSpace Space = new("VS_PATCH_", id => id switch
    {
        AttrFrom => "FROM", AttrToken => "TOKEN", AttrPeer => "PEER", AttrPeerPort => "PEER_PORT", AttrFrame => "FRAME", _ => null,
    });

    /// <inheritdoc/>
    public ushort TypeId => Id;

    /// <inheritdoc/>
    public string Name => "remote-patch-packets";

    /// <inheritdoc/>
    public IReadOnlyList<Type> MessageTypes { get; } = [typeof(RemotePatchPackets)];

    /// <summary>The exact number of payload bytes <see cref="Encode"/> writes for <paramref name="m"/>.</summary>
    public static int EncodedSize(RemotePatchPackets m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var size = Attr(Encoding.UTF8.GetByteCount(m.FromBridge) + 1) + Attr(8) + Attr(Encoding.UTF8.GetByteCount(m.PeerBridge) + 1) + Attr(4);
        if (!m.Frames.IsDefault)
        {
            foreach (var f in m.Frames)
            {
                size += Attr(f.Length);
            }
        }

        return size;
    }

    /// <inheritdoc/>
    public void Encode(object message, NetlinkWriter writer)
    {
        var m = (RemotePatchPackets)message;
        if (m.Frames.IsDefault)
        {
            throw new ArgumentException("RemotePatchPackets.Frames is default", nameof(message));
        }

        Strings.Put(writer, AttrFrom, m.FromBridge);
        writer.PutU64(AttrToken, unchecked((ulong)m.FencingToken));
        Strings.Put(writer, AttrPeer, m.PeerBridge);
        writer.PutU32(AttrPeerPort, unchecked((uint)m.PeerPort));
        foreach (var f in m.Frames)
        {
            writer.PutBytes(AttrFrame, f);
        }
    }

    /// <inheritdoc/>
    public object Decode(ReadOnlySpan<byte> payload)
    {
        var r = new NetlinkReader(payload, 0, Space);
        string? from = null, peer = null;
        ulong? token = null;
        uint? port = null;
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
                case AttrFrom: from = Strings.Get(a); break;
                case AttrToken: token = a.U64(); break;
                case AttrPeer: peer = Strings.Get(a); break;
                case AttrPeerPort: port = a.U32(); break;
                case AttrFrame: frames.Add(a.Payload.ToArray()); break;
            }
        }

        var missing = from is null ? "VS_PATCH_FROM" : token is null ? "VS_PATCH_TOKEN" : peer is null ? "VS_PATCH_PEER" : port is null ? "VS_PATCH_PEER_PORT" : null;
        if (missing is not null)
        {
            throw new DpifDecodeException($"{missing} is missing", payload.Length, missing, null);
        }

        if (token > long.MaxValue || port > int.MaxValue)
        {
            var what = token > long.MaxValue ? "VS_PATCH_TOKEN" : "VS_PATCH_PEER_PORT";
            throw new DpifDecodeException($"{what} is out of range", payload.Length, what, null);
        }

        return new RemotePatchPackets(from!, (long)token!.Value, peer!, (int)port!.Value, frames.ToImmutable());
    }

    private static int Attr(int payload) => (4 + payload + 3) & ~3;
}
