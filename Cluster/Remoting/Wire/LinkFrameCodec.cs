using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace VSwarm.Cluster.Remoting.Wire;

/// <summary>
/// Exact-size, span-based encoder and strict decoder of <see cref="LinkFrame"/>s. A frame is one
/// netlink message: <c>nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid }</c> followed by
/// attributes <c>{ u16 nla_len; u16 nla_type; payload; pad to 4 }</c>. Strings are UTF-8 with a
/// trailing NUL (NLA_NUL_STRING). Decoding untrusted bytes throws only <see cref="LinkFrameException"/>,
/// naming the offset and attribute at fault; unknown attributes are skipped (netlink's forward
/// compatibility), duplicates and missing required attributes are errors.
/// </summary>
public static class LinkFrameCodec
{
    private const int HeaderSize = 16;
    private const int AttrHeader = 4;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Exact encoded size of <paramref name="frame"/>.</summary>
    public static int Measure(LinkFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame switch
        {
            HelloFrame h => HeaderSize + Attr(2) + Str(h.Cluster) + Str(h.From) + Str(h.To) + Attr(h.Nonce.Length),
            ChallengeFrame c => HeaderSize + Str(c.From) + Attr(c.Nonce.Length) + Attr(c.Proof.Length),
            AuthFrame a => HeaderSize + Attr(a.Proof.Length),
            ReadyFrame or HeartbeatFrame => HeaderSize,
            RefuseFrame r => HeaderSize + Str(r.Reason),
            WatchFrame w => HeaderSize + Str(w.Watchee) + Str(w.Watcher),
            UnwatchFrame u => HeaderSize + Str(u.Watchee) + Str(u.Watcher),
            DeathWatchNotificationFrame d => HeaderSize + Str(d.Actor) + Str(d.Watcher) + (d.ExistenceConfirmed ? Attr(0) : 0),
            EnvelopeFrame e => MeasureEnvelope(Utf8Length(e.Target), e.Sender is null ? -1 : Utf8Length(e.Sender), e.Payload.Length),
            _ => throw new ArgumentException($"unknown frame {frame.GetType().Name}", nameof(frame)),
        };
    }

    /// <summary>Exact size of an envelope with the given UTF-8 path lengths (-1: no sender) and payload length.</summary>
    public static int MeasureEnvelope(int targetUtf8, int senderUtf8, int payloadLength)
    {
        var size = HeaderSize + Attr(targetUtf8 + 1) + (senderUtf8 < 0 ? 0 : Attr(senderUtf8 + 1)) + Attr(2);
        var full = payloadLength / LinkNetlink.MaxAttrPayload;
        var rest = payloadLength % LinkNetlink.MaxAttrPayload;
        size += full * Attr(LinkNetlink.MaxAttrPayload);
        if (rest > 0 || payloadLength == 0)
        {
            size += Attr(rest);
        }

        return size;
    }

    /// <summary>Writes <paramref name="frame"/> with <paramref name="seq"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(LinkFrame frame, uint seq, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame is EnvelopeFrame e)
        {
            return WriteEnvelope(destination, seq, e.Target, e.Sender, e.TypeId, e.Payload.Span);
        }

        var size = Measure(frame);
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the frame needs {size}", nameof(destination));
        }

        var d = destination[..size];
        var pos = HeaderSize;
        ushort type;
        switch (frame)
        {
            case HelloFrame h:
                type = LinkNetlink.TypeHello;
                BinaryPrimitives.WriteUInt16LittleEndian(PutAttr(d, ref pos, LinkNetlink.AttrVersion, 2), h.Version);
                PutStr(d, ref pos, LinkNetlink.AttrCluster, h.Cluster);
                PutStr(d, ref pos, LinkNetlink.AttrFrom, h.From);
                PutStr(d, ref pos, LinkNetlink.AttrTo, h.To);
                h.Nonce.CopyTo(PutAttr(d, ref pos, LinkNetlink.AttrNonce, h.Nonce.Length));
                break;
            case ChallengeFrame c:
                type = LinkNetlink.TypeChallenge;
                PutStr(d, ref pos, LinkNetlink.AttrFrom, c.From);
                c.Nonce.CopyTo(PutAttr(d, ref pos, LinkNetlink.AttrNonce, c.Nonce.Length));
                c.Proof.CopyTo(PutAttr(d, ref pos, LinkNetlink.AttrProof, c.Proof.Length));
                break;
            case AuthFrame a:
                type = LinkNetlink.TypeAuth;
                a.Proof.CopyTo(PutAttr(d, ref pos, LinkNetlink.AttrProof, a.Proof.Length));
                break;
            case ReadyFrame:
                type = LinkNetlink.TypeReady;
                break;
            case HeartbeatFrame:
                type = LinkNetlink.TypeHeartbeat;
                break;
            case RefuseFrame r:
                type = LinkNetlink.TypeRefuse;
                PutStr(d, ref pos, LinkNetlink.AttrReason, r.Reason);
                break;
            case WatchFrame w:
                type = LinkNetlink.TypeWatch;
                PutStr(d, ref pos, LinkNetlink.AttrWatchee, w.Watchee);
                PutStr(d, ref pos, LinkNetlink.AttrWatcher, w.Watcher);
                break;
            case UnwatchFrame u:
                type = LinkNetlink.TypeUnwatch;
                PutStr(d, ref pos, LinkNetlink.AttrWatchee, u.Watchee);
                PutStr(d, ref pos, LinkNetlink.AttrWatcher, u.Watcher);
                break;
            case DeathWatchNotificationFrame n:
                type = LinkNetlink.TypeDeathWatchNotification;
                PutStr(d, ref pos, LinkNetlink.AttrWatchee, n.Actor);
                PutStr(d, ref pos, LinkNetlink.AttrWatcher, n.Watcher);
                if (n.ExistenceConfirmed)
                {
                    PutAttr(d, ref pos, LinkNetlink.AttrExistenceConfirmed, 0);
                }

                break;
            default:
                throw new ArgumentException($"unknown frame {frame.GetType().Name}", nameof(frame));
        }

        PutHeader(d, (uint)size, type, seq);
        return size;
    }

    /// <summary>
    /// Writes an envelope straight from its parts (no <see cref="EnvelopeFrame"/> allocation): the
    /// hot path of a node link. <paramref name="destination"/> must hold
    /// <see cref="MeasureEnvelope"/> bytes.
    /// </summary>
    public static int WriteEnvelope(Span<byte> destination, uint seq, string target, string? sender, ushort typeId, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(target);
        var tl = Utf8Length(target);
        var sl = sender is null ? -1 : Utf8Length(sender);
        var size = MeasureEnvelope(tl, sl, payload.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the frame needs {size}", nameof(destination));
        }

        var d = destination[..size];
        var pos = HeaderSize;
        PutStr(d, ref pos, LinkNetlink.AttrTarget, target);
        if (sender is not null)
        {
            PutStr(d, ref pos, LinkNetlink.AttrSender, sender);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(PutAttr(d, ref pos, LinkNetlink.AttrTypeId, 2), typeId);
        var rest = payload;
        do
        {
            var n = Math.Min(rest.Length, LinkNetlink.MaxAttrPayload);
            rest[..n].CopyTo(PutAttr(d, ref pos, LinkNetlink.AttrPayload, n));
            rest = rest[n..];
        }
        while (!rest.IsEmpty);

        PutHeader(d, (uint)size, LinkNetlink.TypeEnvelope, seq);
        return size;
    }

    /// <summary>
    /// Reads the length of the next frame at the start of <paramref name="buffer"/>: false when fewer
    /// than 4 bytes are there; throws <see cref="LinkFrameException"/> when the length is below the
    /// 16-byte header or above <paramref name="maxFrameSize"/> (checked before buffering the frame).
    /// </summary>
    public static bool TryReadLength(in ReadOnlySequence<byte> buffer, int maxFrameSize, out int length)
    {
        length = 0;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> four = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(four);
        var len = BinaryPrimitives.ReadUInt32LittleEndian(four);
        if (len < HeaderSize)
        {
            throw new LinkFrameException($"nlmsg_len {len} is below the 16-byte header", 0, null);
        }

        if (len > (uint)maxFrameSize)
        {
            throw new LinkFrameException($"frame of {len} bytes exceeds the frame size limit of {maxFrameSize} bytes", 0, null);
        }

        length = (int)len;
        return true;
    }

    /// <summary>Decodes one whole frame (exactly <c>nlmsg_len</c> bytes).</summary>
    public static LinkFrame Decode(ReadOnlySpan<byte> frame) => Decode(frame, out _);

    /// <summary>Decodes one whole frame (exactly <c>nlmsg_len</c> bytes) and returns its nlmsg_seq.</summary>
    public static LinkFrame Decode(ReadOnlySpan<byte> frame, out uint seq)
    {
        if (frame.Length < HeaderSize)
        {
            throw new LinkFrameException($"truncated nlmsghdr ({frame.Length} of 16 bytes)", 0, null);
        }

        var len = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (len != (uint)frame.Length)
        {
            throw new LinkFrameException($"nlmsg_len {len} does not match the frame's {frame.Length} bytes", 0, null);
        }

        var type = BinaryPrimitives.ReadUInt16LittleEndian(frame[4..]);
        seq = BinaryPrimitives.ReadUInt32LittleEndian(frame[8..]);
        var attrs = new AttrWalker(frame, type);
        return type switch
        {
            LinkNetlink.TypeHello => DecodeHello(ref attrs),
            LinkNetlink.TypeChallenge => DecodeChallenge(ref attrs),
            LinkNetlink.TypeAuth => DecodeAuth(ref attrs),
            LinkNetlink.TypeReady => DecodeEmpty(ref attrs, ReadyFrame.Instance),
            LinkNetlink.TypeHeartbeat => DecodeEmpty(ref attrs, HeartbeatFrame.Instance),
            LinkNetlink.TypeRefuse => DecodeRefuse(ref attrs),
            LinkNetlink.TypeEnvelope => DecodeEnvelope(ref attrs),
            LinkNetlink.TypeWatch or LinkNetlink.TypeUnwatch or LinkNetlink.TypeDeathWatchNotification => DecodeWatch(ref attrs, type),
            _ => throw new LinkFrameException($"unknown frame type 0x{type:x4}", 4, null),
        };
    }

    private static HelloFrame DecodeHello(ref AttrWalker w)
    {
        ushort? version = null;
        string? cluster = null, from = null, to = null;
        byte[]? nonce = null;
        while (w.Next(out var a))
        {
            switch (a.Type)
            {
                case LinkNetlink.AttrVersion: version = a.U16(); break;
                case LinkNetlink.AttrCluster: cluster = a.Str(); break;
                case LinkNetlink.AttrFrom: from = a.Str(); break;
                case LinkNetlink.AttrTo: to = a.Str(); break;
                case LinkNetlink.AttrNonce: nonce = a.Fixed(LinkNetlink.NonceLength); break;
            }
        }

        return new HelloFrame(
            version ?? throw w.Missing(LinkNetlink.AttrVersion),
            cluster ?? throw w.Missing(LinkNetlink.AttrCluster),
            from ?? throw w.Missing(LinkNetlink.AttrFrom),
            to ?? throw w.Missing(LinkNetlink.AttrTo),
            nonce ?? throw w.Missing(LinkNetlink.AttrNonce));
    }

    private static ChallengeFrame DecodeChallenge(ref AttrWalker w)
    {
        string? from = null;
        byte[]? nonce = null, proof = null;
        while (w.Next(out var a))
        {
            switch (a.Type)
            {
                case LinkNetlink.AttrFrom: from = a.Str(); break;
                case LinkNetlink.AttrNonce: nonce = a.Fixed(LinkNetlink.NonceLength); break;
                case LinkNetlink.AttrProof: proof = a.Fixed(LinkNetlink.ProofLength); break;
            }
        }

        return new ChallengeFrame(
            from ?? throw w.Missing(LinkNetlink.AttrFrom),
            nonce ?? throw w.Missing(LinkNetlink.AttrNonce),
            proof ?? throw w.Missing(LinkNetlink.AttrProof));
    }

    private static AuthFrame DecodeAuth(ref AttrWalker w)
    {
        byte[]? proof = null;
        while (w.Next(out var a))
        {
            if (a.Type == LinkNetlink.AttrProof)
            {
                proof = a.Fixed(LinkNetlink.ProofLength);
            }
        }

        return new AuthFrame(proof ?? throw w.Missing(LinkNetlink.AttrProof));
    }

    private static RefuseFrame DecodeRefuse(ref AttrWalker w)
    {
        string? reason = null;
        while (w.Next(out var a))
        {
            if (a.Type == LinkNetlink.AttrReason)
            {
                reason = a.Str();
            }
        }

        return new RefuseFrame(reason ?? throw w.Missing(LinkNetlink.AttrReason));
    }

    private static LinkFrame DecodeWatch(ref AttrWalker w, ushort type)
    {
        string? watchee = null, watcher = null;
        var confirmed = false;
        while (w.Next(out var a))
        {
            switch (a.Type)
            {
                case LinkNetlink.AttrWatchee: watchee = a.Path(); break;
                case LinkNetlink.AttrWatcher: watcher = a.Path(); break;
                case LinkNetlink.AttrExistenceConfirmed when type == LinkNetlink.TypeDeathWatchNotification:
                    confirmed = a.Flag();
                    break;
            }
        }

        if (watchee is null)
        {
            throw w.Missing(LinkNetlink.AttrWatchee);
        }

        if (watcher is null)
        {
            throw w.Missing(LinkNetlink.AttrWatcher);
        }

        return type switch
        {
            LinkNetlink.TypeWatch => new WatchFrame(watchee, watcher),
            LinkNetlink.TypeUnwatch => new UnwatchFrame(watchee, watcher),
            _ => new DeathWatchNotificationFrame(watchee, watcher, confirmed),
        };
    }

    private static LinkFrame DecodeEmpty(ref AttrWalker w, LinkFrame frame)
    {
        while (w.Next(out _))
        {
        }

        return frame;
    }

    private static EnvelopeFrame DecodeEnvelope(ref AttrWalker w)
    {
        string? target = null, sender = null;
        ushort? typeId = null;
        var payloadStart = -1;
        var payloadAttrs = 0;
        var payloadLength = 0;
        while (w.Next(out var a))
        {
            switch (a.Type)
            {
                case LinkNetlink.AttrTarget: target = a.Path(); break;
                case LinkNetlink.AttrSender: sender = a.Path(); break;
                case LinkNetlink.AttrTypeId: typeId = a.U16(); break;
                case LinkNetlink.AttrPayload:
                    if (payloadAttrs > 0 && a.Offset != w.LastPayloadEnd)
                    {
                        throw new LinkFrameException("payload fragments must be consecutive", a.Offset, a.Name);
                    }

                    if (payloadAttrs > 0 && w.LastPayloadLength != LinkNetlink.MaxAttrPayload)
                    {
                        throw new LinkFrameException("only the last payload fragment may be shorter than 65531 bytes", a.Offset, a.Name);
                    }

                    payloadStart = payloadAttrs == 0 ? a.Offset : payloadStart;
                    payloadAttrs++;
                    payloadLength += a.Payload.Length;
                    w.LastPayloadLength = a.Payload.Length;
                    w.LastPayloadEnd = a.Offset + AttrHeader + Align(a.Payload.Length);
                    break;
            }
        }

        if (payloadAttrs == 0)
        {
            throw w.Missing(LinkNetlink.AttrPayload);
        }

        var payload = new byte[payloadLength];
        var at = 0;
        var pos = payloadStart;
        for (var i = 0; i < payloadAttrs; i++)
        {
            var n = BinaryPrimitives.ReadUInt16LittleEndian(w.Frame[pos..]) - AttrHeader;
            w.Frame.Slice(pos + AttrHeader, n).CopyTo(payload.AsSpan(at));
            at += n;
            pos += AttrHeader + Align(n);
        }

        return new EnvelopeFrame(
            target ?? throw w.Missing(LinkNetlink.AttrTarget),
            sender,
            typeId ?? throw w.Missing(LinkNetlink.AttrTypeId),
            payload);
    }

    private static int Align(int n) => (n + 3) & ~3;

    private static int Attr(int payload) => AttrHeader + Align(payload);

    private static int Str(string s) => Attr(Utf8Length(s) + 1);

    private static int Utf8Length(string s) => Encoding.UTF8.GetByteCount(s);

    private static void PutHeader(Span<byte> d, uint length, ushort type, uint seq)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d, length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], 0);
    }

    private static Span<byte> PutAttr(Span<byte> d, ref int pos, ushort type, int length)
    {
        if (length > LinkNetlink.MaxAttrPayload)
        {
            throw new ArgumentException($"attribute {type} of {length} bytes exceeds the netlink attribute limit");
        }

        BinaryPrimitives.WriteUInt16LittleEndian(d[pos..], (ushort)(AttrHeader + length));
        BinaryPrimitives.WriteUInt16LittleEndian(d[(pos + 2)..], type);
        var payload = d.Slice(pos + AttrHeader, length);
        var padded = Align(length);
        d.Slice(pos + AttrHeader + length, padded - length).Clear();
        pos += AttrHeader + padded;
        return payload;
    }

    private static void PutStr(Span<byte> d, ref int pos, ushort type, string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        var p = PutAttr(d, ref pos, type, n + 1);
        Encoding.UTF8.GetBytes(value, p);
        p[n] = 0;
    }

    /// <summary>Walks the attributes of one frame, checking lengths and duplicates.</summary>
    private ref struct AttrWalker
    {
        private readonly ushort _frameType;
        private int _pos;
        private uint _seen;

        public AttrWalker(ReadOnlySpan<byte> frame, ushort frameType)
        {
            Frame = frame;
            _frameType = frameType;
            _pos = HeaderSize;
        }

        public ReadOnlySpan<byte> Frame { get; }

        public int LastPayloadEnd { get; set; }

        public int LastPayloadLength { get; set; }

        public bool Next(out Attribute attribute)
        {
            attribute = default;
            var rest = Frame.Length - _pos;
            if (rest <= 0)
            {
                return false;
            }

            if (rest < AttrHeader)
            {
                throw new LinkFrameException($"truncated attribute header ({rest} bytes left)", _pos, null);
            }

            var len = BinaryPrimitives.ReadUInt16LittleEndian(Frame[_pos..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(Frame[(_pos + 2)..]) & 0x3fff;
            var name = LinkNetlink.AttrName(_frameType, type);
            if (len < AttrHeader)
            {
                throw new LinkFrameException($"nla_len {len} is below the 4-byte header", _pos, name);
            }

            if (len > rest)
            {
                throw new LinkFrameException($"nla_len {len} runs past the end of the frame ({rest} bytes left)", _pos, name);
            }

            var repeats = _frameType == LinkNetlink.TypeEnvelope && type == LinkNetlink.AttrPayload;
            if (type < 32 && !repeats)
            {
                var bit = 1u << type;
                if ((_seen & bit) != 0)
                {
                    throw new LinkFrameException("duplicate attribute", _pos, name);
                }

                _seen |= bit;
            }

            attribute = new Attribute(type, name, Frame.Slice(_pos + AttrHeader, len - AttrHeader), _pos);
            _pos = Math.Min(Frame.Length, _pos + Align(len));
            return true;
        }

        public readonly LinkFrameException Missing(ushort attr) =>
            new("required attribute is missing", Frame.Length, LinkNetlink.AttrName(_frameType, attr));
    }

    /// <summary>One attribute with typed accessors that fail naming its offset.</summary>
    private readonly ref struct Attribute
    {
        public Attribute(int type, string name, ReadOnlySpan<byte> payload, int offset)
        {
            Type = type;
            Name = name;
            Payload = payload;
            Offset = offset;
        }

        public int Type { get; }

        public string Name { get; }

        public ReadOnlySpan<byte> Payload { get; }

        public int Offset { get; }

        public ushort U16() => Payload.Length == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(Payload)
            : throw new LinkFrameException($"expected 2 bytes, got {Payload.Length}", Offset, Name);

        public bool Flag() => Payload.Length == 0
            ? true
            : throw new LinkFrameException($"flag attribute carries {Payload.Length} bytes (expected none)", Offset, Name);

        public byte[] Fixed(int length) => Payload.Length == length
            ? Payload.ToArray()
            : throw new LinkFrameException($"expected {length} bytes, got {Payload.Length}", Offset, Name);

        public string Str()
        {
            if (Payload.Length == 0 || Payload[^1] != 0)
            {
                throw new LinkFrameException("string is not NUL-terminated", Offset, Name);
            }

            var body = Payload[..^1];
            if (body.IndexOf((byte)0) >= 0)
            {
                throw new LinkFrameException("string contains a NUL byte", Offset, Name);
            }

            try
            {
                return StrictUtf8.GetString(body);
            }
            catch (DecoderFallbackException)
            {
                throw new LinkFrameException("string is not valid UTF-8", Offset, Name);
            }
        }

        public string Path()
        {
            if (Payload.Length > LinkNetlink.MaxPathBytes + 1)
            {
                throw new LinkFrameException($"actor path of {Payload.Length - 1} bytes exceeds {LinkNetlink.MaxPathBytes}", Offset, Name);
            }

            var s = Str();
            if (!s.StartsWith("vswarm://", StringComparison.Ordinal))
            {
                throw new LinkFrameException("not a vswarm:// actor path", Offset, Name);
            }

            return s;
        }
    }
}
