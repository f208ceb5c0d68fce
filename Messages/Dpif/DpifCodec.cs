using System.Buffers.Binary;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Dpif;

/// <summary>
/// Netlink encoding and decoding of <see cref="DpifMessage"/>s. Decoding untrusted bytes throws
/// only <see cref="DpifDecodeException"/>: every length is checked, nesting and action counts are
/// capped, duplicate attributes are rejected, required attributes must be present.
/// </summary>
public static class DpifCodec
{
    private const ushort FlowReq = Nl.FRequest;

    /// <summary>Decodes one message (or one dump batch) occupying the whole buffer.</summary>
    public static DpifMessage Decode(ReadOnlySpan<byte> bytes) => Decode(bytes, out _);

    /// <summary>Decodes one message (or one dump batch) occupying the whole buffer; returns its first header.</summary>
    public static DpifMessage Decode(ReadOnlySpan<byte> bytes, out NetlinkMessageHeader header)
    {
        var mr = new NetlinkMessageReader(bytes);
        if (!mr.TryRead(out var msg))
        {
            throw new DpifDecodeException("empty buffer", 0, "nlmsghdr", null);
        }

        header = msg.Header;
        DpifMessage result;
        switch (msg.Header.Type)
        {
            case Nl.TypeError:
                result = DecodeError(msg);
                break;
            case Nl.TypeDone:
                DecodeDone(msg);
                result = new DpifFlowDumpBatch([], true);
                break;
            case OvsFamily.FlowId when (msg.Header.Flags & Nl.FMulti) != 0:
                return DecodeBatch(msg, ref mr);
            case OvsFamily.FlowId:
                result = DecodeFlowMessage(msg);
                break;
            case OvsFamily.PacketId:
                result = DecodePacketMessage(msg);
                break;
            default:
                throw new DpifDecodeException($"unknown netlink message type 0x{msg.Header.Type:x4}", msg.Offset, "nlmsghdr", null);
        }

        if (!mr.AtEnd)
        {
            throw new DpifDecodeException("trailing bytes after the message", mr.Offset, "nlmsghdr", null);
        }

        return result;
    }

    // ---------------------------------------------------------------- encoders

    internal static void EncodeUpcall(NetlinkWriter w, DpifUpcall u, uint seq, uint pid)
    {
        var start = w.BeginMessage(OvsFamily.PacketId, 0, seq, pid);
        w.PutGenlHeader((byte)(u.Type == DpifUpcallType.Miss ? OvsPacketCmd.Miss : OvsPacketCmd.Action), OvsFamily.PacketVersion);
        w.PutOvsHeader(u.DpIfIndex);
        w.PutBytes((ushort)OvsPacketAttr.Packet, u.Packet.Span);
        var k = w.BeginNested((ushort)OvsPacketAttr.Key);
        OdpKeyCodec.EncodeKey(w, u.Key);
        w.EndNested(k);
        if (u.Userdata is { } ud)
        {
            w.PutBytes((ushort)OvsPacketAttr.Userdata, ud.Span);
        }

        if (u.Actions is { } acts)
        {
            var a = w.BeginNested((ushort)OvsPacketAttr.Actions);
            DpActionCodec.Encode(w, acts);
            w.EndNested(a);
        }

        if (u.Mru is { } mru)
        {
            w.PutU16((ushort)OvsPacketAttr.Mru, mru);
        }

        if (u.Hash is { } hash)
        {
            w.PutU64((ushort)OvsPacketAttr.Hash, hash);
        }

        if (u.Ufid is { } ufid)
        {
            ufid.Write(w.PutAttribute((ushort)OvsPacketAttr.VSwarmUfid, Ufid.Size));
        }

        w.EndMessage(start);
    }

    internal static void EncodeExecute(NetlinkWriter w, DpifExecute e, uint seq, uint pid)
    {
        var start = w.BeginMessage(OvsFamily.PacketId, FlowReq, seq, pid);
        w.PutGenlHeader((byte)OvsPacketCmd.Execute, OvsFamily.PacketVersion);
        w.PutOvsHeader(e.DpIfIndex);
        w.PutBytes((ushort)OvsPacketAttr.Packet, e.Packet.Span);
        var k = w.BeginNested((ushort)OvsPacketAttr.Key);
        w.PutU32((ushort)OvsKeyAttr.RecircId, e.Metadata.RecircId);
        w.PutU32((ushort)OvsKeyAttr.InPort, e.Metadata.InPort);
        w.EndNested(k);
        var a = w.BeginNested((ushort)OvsPacketAttr.Actions);
        DpActionCodec.Encode(w, e.Actions);
        w.EndNested(a);
        if (e.Probe)
        {
            w.PutFlag((ushort)OvsPacketAttr.Probe);
        }

        if (e.Mtu is { } mtu)
        {
            w.PutU16((ushort)OvsPacketAttr.Mru, mtu);
        }

        if (e.Hash is { } hash)
        {
            w.PutU64((ushort)OvsPacketAttr.Hash, hash);
        }

        if (e.UpcallPid is { } up)
        {
            w.PutU32((ushort)OvsPacketAttr.UpcallPid, up);
        }

        w.EndMessage(start);
    }

    internal static void EncodeFlowPut(NetlinkWriter w, DpifFlowPut p, uint seq, uint pid)
    {
        var create = (p.Flags & FlowPutFlags.Create) != 0;
        var modify = (p.Flags & FlowPutFlags.Modify) != 0;
        var flags = (ushort)(FlowReq | (create && !modify ? Nl.FCreate : 0));
        var start = w.BeginMessage(OvsFamily.FlowId, flags, seq, pid);
        w.PutGenlHeader((byte)(create ? OvsFlowCmd.New : OvsFlowCmd.Set), OvsFamily.FlowVersion);
        w.PutOvsHeader(p.DpIfIndex);
        PutUfid(w, p.Ufid);
        PutMatch(w, p.Match);
        PutActions(w, p.Actions);
        if ((p.Flags & FlowPutFlags.ZeroStats) != 0)
        {
            w.PutFlag((ushort)OvsFlowAttr.Clear);
        }

        if ((p.Flags & FlowPutFlags.Probe) != 0)
        {
            w.PutFlag((ushort)OvsFlowAttr.Probe);
        }

        w.EndMessage(start);
    }

    internal static void EncodeFlowDel(NetlinkWriter w, DpifFlowDel d, uint seq, uint pid)
    {
        var start = w.BeginMessage(OvsFamily.FlowId, FlowReq, seq, pid);
        w.PutGenlHeader((byte)OvsFlowCmd.Del, OvsFamily.FlowVersion);
        w.PutOvsHeader(d.DpIfIndex);
        PutUfid(w, d.Ufid);
        if (d.Terse)
        {
            w.PutU32((ushort)OvsFlowAttr.UfidFlags, (uint)OvsUfidFlags.OmitAll);
        }

        if (d.Key is { } key && !(d.Terse && d.Ufid is not null))
        {
            PutKey(w, key);
        }

        w.EndMessage(start);
    }

    internal static void EncodeFlowGet(NetlinkWriter w, DpifFlowGet g, uint seq, uint pid)
    {
        var start = w.BeginMessage(OvsFamily.FlowId, FlowReq, seq, pid);
        w.PutGenlHeader((byte)OvsFlowCmd.Get, OvsFamily.FlowVersion);
        w.PutOvsHeader(g.DpIfIndex);
        PutUfid(w, g.Ufid);
        if (g.Key is { } key)
        {
            PutKey(w, key);
        }

        w.EndMessage(start);
    }

    internal static void EncodeDumpRequest(NetlinkWriter w, DpifFlowDumpRequest r, uint seq, uint pid)
    {
        var start = w.BeginMessage(OvsFamily.FlowId, FlowReq | Nl.FDump, seq, pid);
        w.PutGenlHeader((byte)OvsFlowCmd.Get, OvsFamily.FlowVersion);
        w.PutOvsHeader(r.DpIfIndex);
        if (r.Terse)
        {
            w.PutU32((ushort)OvsFlowAttr.UfidFlags, (uint)OvsUfidFlags.OmitAll);
        }

        w.PutU64((ushort)OvsFlowAttr.VSwarmDumpCursor, r.Cursor);
        w.PutU32((ushort)OvsFlowAttr.VSwarmDumpMax, r.MaxBatch);
        w.EndMessage(start);
    }

    internal static void EncodeDumpBatch(NetlinkWriter w, DpifFlowDumpBatch b, uint seq, uint pid)
    {
        foreach (var f in b.Flows)
        {
            var s = w.BeginMessage(OvsFamily.FlowId, Nl.FMulti, seq, pid);
            w.PutGenlHeader((byte)OvsFlowCmd.Get, OvsFamily.FlowVersion);
            w.PutOvsHeader(0);
            PutFlow(w, f);
            w.EndMessage(s);
        }

        if (b.Done)
        {
            var s = w.BeginMessage(Nl.TypeDone, Nl.FMulti, seq, pid);
            w.PutRaw([0, 0, 0, 0]);
            w.EndMessage(s);
        }
        else
        {
            var s = w.BeginMessage(OvsFamily.FlowId, Nl.FMulti, seq, pid);
            w.PutGenlHeader((byte)OvsFlowCmd.Get, OvsFamily.FlowVersion);
            w.PutOvsHeader(0);
            w.PutU64((ushort)OvsFlowAttr.VSwarmDumpCursor, b.NextCursor);
            w.EndMessage(s);
        }
    }

    internal static void EncodeReply(NetlinkWriter w, DpifReply r, uint seq, uint pid)
    {
        if (r.Errno != 0 || (r.Flow is null && r.Stats is null))
        {
            var s = w.BeginMessage(Nl.TypeError, 0, seq, pid);
            Span<byte> body = stackalloc byte[4 + Nl.MessageHeaderSize];
            body.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(body, -r.Errno);
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], Nl.MessageHeaderSize);
            BinaryPrimitives.WriteUInt16LittleEndian(body[8..], OvsFamily.FlowId);
            BinaryPrimitives.WriteUInt16LittleEndian(body[10..], Nl.FRequest);
            BinaryPrimitives.WriteUInt32LittleEndian(body[12..], seq);
            w.PutRaw(body);
            w.EndMessage(s);
            return;
        }

        var start = w.BeginMessage(OvsFamily.FlowId, 0, seq, pid);
        w.PutGenlHeader((byte)OvsFlowCmd.New, OvsFamily.FlowVersion);
        w.PutOvsHeader(0);
        if (r.Flow is { } f)
        {
            PutFlow(w, f);
        }
        else
        {
            PutStats(w, r.Stats!.Value);
        }

        w.EndMessage(start);
    }

    private static void PutFlow(NetlinkWriter w, DatapathFlow f)
    {
        PutUfid(w, f.Ufid);
        if (!f.Terse)
        {
            PutMatch(w, f.Match);
        }

        PutStats(w, f.Stats);
        if (!f.Terse)
        {
            PutActions(w, f.Actions);
        }
    }

    private static void PutStats(NetlinkWriter w, FlowStats s)
    {
        if (s.Packets != 0 || s.Bytes != 0)
        {
            var p = w.PutAttribute((ushort)OvsFlowAttr.Stats, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(p, s.Packets);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], s.Bytes);
        }

        if (s.TcpFlags > 0xff)
        {
            w.PutU16((ushort)OvsFlowAttr.TcpFlags, s.TcpFlags);
        }
        else if (s.TcpFlags != 0)
        {
            w.PutU8((ushort)OvsFlowAttr.TcpFlags, (byte)s.TcpFlags);
        }

        if (s.UsedMs is { } used)
        {
            w.PutU64((ushort)OvsFlowAttr.Used, used);
        }
    }

    private static void PutUfid(NetlinkWriter w, Ufid? ufid)
    {
        if (ufid is { } u)
        {
            u.Write(w.PutAttribute((ushort)OvsFlowAttr.Ufid, Ufid.Size));
        }
    }

    private static void PutMatch(NetlinkWriter w, in Match m)
    {
        var k = w.BeginNested((ushort)OvsFlowAttr.Key);
        OdpKeyCodec.EncodeKey(w, m);
        w.EndNested(k);
        var mk = w.BeginNested((ushort)OvsFlowAttr.Mask);
        OdpKeyCodec.EncodeMask(w, m);
        w.EndNested(mk);
    }

    private static void PutKey(NetlinkWriter w, in FlowKey key)
    {
        var k = w.BeginNested((ushort)OvsFlowAttr.Key);
        OdpKeyCodec.EncodeKey(w, key);
        w.EndNested(k);
    }

    private static void PutActions(NetlinkWriter w, DpActions actions)
    {
        var a = w.BeginNested((ushort)OvsFlowAttr.Actions);
        DpActionCodec.Encode(w, actions);
        w.EndNested(a);
    }

    // ---------------------------------------------------------------- decoders

    private ref struct FlowAttrs
    {
        public AttrSeen Seen;
        public ReadOnlySpan<byte> Key;
        public int KeyOffset;
        public ReadOnlySpan<byte> Mask;
        public int MaskOffset;
        public ReadOnlySpan<byte> Actions;
        public int ActionsOffset;
        public FlowStats Stats;
        public Ufid? Ufid;
        public uint UfidFlags;
        public ulong Cursor;
        public uint Max;

        public readonly bool Has(OvsFlowAttr a) => Seen.Has((int)a);
    }

    private static FlowAttrs ReadFlowAttrs(NetlinkReader r)
    {
        var f = default(FlowAttrs);
        Span<byte> u = stackalloc byte[Ufid.Size];
        while (r.TryRead(out var a))
        {
            f.Seen.Add(a);
            switch ((OvsFlowAttr)a.Type)
            {
                case OvsFlowAttr.Key:
                    f.Key = a.Payload;
                    f.KeyOffset = a.PayloadOffset;
                    break;
                case OvsFlowAttr.Mask:
                    f.Mask = a.Payload;
                    f.MaskOffset = a.PayloadOffset;
                    break;
                case OvsFlowAttr.Actions:
                    f.Actions = a.Payload;
                    f.ActionsOffset = a.PayloadOffset;
                    break;
                case OvsFlowAttr.Stats:
                    var p = a.Expect(16);
                    f.Stats = f.Stats with { Packets = BinaryPrimitives.ReadUInt64LittleEndian(p), Bytes = BinaryPrimitives.ReadUInt64LittleEndian(p[8..]) };
                    break;
                case OvsFlowAttr.TcpFlags:
                    f.Stats = f.Stats with { TcpFlags = a.Payload.Length == 2 ? a.U16() : a.U8() };
                    break;
                case OvsFlowAttr.Used:
                    f.Stats = f.Stats with { UsedMs = a.U64() };
                    break;
                case OvsFlowAttr.Clear or OvsFlowAttr.Probe:
                    a.ExpectFlag();
                    break;
                case OvsFlowAttr.Ufid:
                    if (a.Payload.Length is < 1 or > Ufid.Size)
                    {
                        throw a.Error($"UFID of {a.Payload.Length} bytes (1..16 expected)");
                    }

                    u.Clear();
                    a.Payload.CopyTo(u);
                    f.Ufid = Ufid.Read(u);
                    break;
                case OvsFlowAttr.UfidFlags:
                    f.UfidFlags = a.U32();
                    if ((f.UfidFlags & ~(uint)OvsUfidFlags.OmitAll) != 0)
                    {
                        throw a.Error($"unknown UFID flags 0x{f.UfidFlags:x}");
                    }

                    break;
                case OvsFlowAttr.Pad:
                    break;
                case OvsFlowAttr.VSwarmDumpCursor:
                    f.Cursor = a.U64();
                    break;
                case OvsFlowAttr.VSwarmDumpMax:
                    f.Max = a.U32();
                    break;
                default:
                    throw a.Error("unknown flow attribute");
            }
        }

        return f;
    }

    private static Match DecodeMatch(in FlowAttrs f) => OdpKeyCodec.Decode(
        new NetlinkReader(f.Key, f.KeyOffset, OvsSpaces.Key),
        new NetlinkReader(f.Mask, f.MaskOffset, OvsSpaces.Key),
        f.Has(OvsFlowAttr.Mask));

    private static FlowKey DecodeKey(in FlowAttrs f) =>
        OdpKeyCodec.Decode(new NetlinkReader(f.Key, f.KeyOffset, OvsSpaces.Key), default, false).Key;

    private static DpActions DecodeActions(ReadOnlySpan<byte> bytes, int offset)
    {
        var budget = DpActionCodec.MaxActions;
        var r = new NetlinkReader(bytes, offset, OvsSpaces.Action);
        return DpActionCodec.Decode(ref r, ref budget);
    }

    private static DpifDecodeException Missing(in NetlinkMessage m, OvsFlowAttr a, string what) =>
        new($"{what} without required attribute", m.Offset, OvsSpaces.Flow.Name((int)a), (int)a);

    private static NetlinkReader OpenOvs(in NetlinkMessage msg, NlAttrSpace space, byte version, out GenlHeader genl, out int dp)
    {
        var r = msg.ReadOvs(space, out genl, out dp);
        if (genl.Version != version)
        {
            throw new DpifDecodeException($"genl version {genl.Version} where {version} expected", msg.BodyOffset + 1, "genlmsghdr", null);
        }

        return r;
    }

    private static DpifMessage DecodeFlowMessage(in NetlinkMessage msg)
    {
        var r = OpenOvs(msg, OvsSpaces.Flow, OvsFamily.FlowVersion, out var genl, out var dp);
        var f = ReadFlowAttrs(r);
        var h = msg.Header;
        var isRequest = (h.Flags & Nl.FRequest) != 0;
        var cmd = (OvsFlowCmd)genl.Command;
        if (!isRequest)
        {
            if (cmd is not (OvsFlowCmd.New or OvsFlowCmd.Get or OvsFlowCmd.Set or OvsFlowCmd.Del))
            {
                throw new DpifDecodeException($"unknown flow command {genl.Command}", msg.BodyOffset, "genlmsghdr", null);
            }

            return f.Has(OvsFlowAttr.Ufid) || f.Has(OvsFlowAttr.Key)
                ? new DpifReply(0, null, DecodeFlow(msg, f))
                : new DpifReply(0, f.Stats);
        }

        switch (cmd)
        {
            case OvsFlowCmd.New or OvsFlowCmd.Set:
                if (!f.Has(OvsFlowAttr.Key))
                {
                    throw Missing(msg, OvsFlowAttr.Key, "flow put");
                }

                if (!f.Has(OvsFlowAttr.Actions))
                {
                    throw Missing(msg, OvsFlowAttr.Actions, "flow put");
                }

                var flags = cmd == OvsFlowCmd.Set ? FlowPutFlags.Modify
                    : (h.Flags & Nl.FCreate) != 0 ? FlowPutFlags.Create : FlowPutFlags.Create | FlowPutFlags.Modify;
                if (f.Has(OvsFlowAttr.Clear))
                {
                    flags |= FlowPutFlags.ZeroStats;
                }

                if (f.Has(OvsFlowAttr.Probe))
                {
                    flags |= FlowPutFlags.Probe;
                }

                return new DpifFlowPut(flags, DecodeMatch(f), DecodeActions(f.Actions, f.ActionsOffset), f.Ufid, dp);
            case OvsFlowCmd.Del:
                if (!f.Has(OvsFlowAttr.Key) && !f.Has(OvsFlowAttr.Ufid))
                {
                    throw Missing(msg, OvsFlowAttr.Key, "flow delete (KEY or UFID)");
                }

                return new DpifFlowDel(f.Has(OvsFlowAttr.Key) ? DecodeKey(f) : null, f.Ufid, f.Has(OvsFlowAttr.UfidFlags) && f.UfidFlags == (uint)OvsUfidFlags.OmitAll, dp);
            case OvsFlowCmd.Get when (h.Flags & Nl.FDump) == Nl.FDump:
                return new DpifFlowDumpRequest(f.Has(OvsFlowAttr.UfidFlags) && f.UfidFlags == (uint)OvsUfidFlags.OmitAll, f.Max, f.Cursor, dp);
            case OvsFlowCmd.Get:
                if (!f.Has(OvsFlowAttr.Key) && !f.Has(OvsFlowAttr.Ufid))
                {
                    throw Missing(msg, OvsFlowAttr.Key, "flow get (KEY or UFID)");
                }

                return new DpifFlowGet(f.Has(OvsFlowAttr.Key) ? DecodeKey(f) : null, f.Ufid, dp);
            default:
                throw new DpifDecodeException($"unknown flow command {genl.Command}", msg.BodyOffset, "genlmsghdr", null);
        }
    }

    private static DatapathFlow DecodeFlow(in NetlinkMessage msg, in FlowAttrs f)
    {
        if (!f.Has(OvsFlowAttr.Key))
        {
            if (f.Ufid is null)
            {
                throw Missing(msg, OvsFlowAttr.Ufid, "terse flow");
            }

            if (f.Has(OvsFlowAttr.Mask) || f.Has(OvsFlowAttr.Actions))
            {
                throw Missing(msg, OvsFlowAttr.Key, "flow with mask or actions");
            }

            return new DatapathFlow(Match.CatchAll, DpActions.Empty, f.Stats, f.Ufid, Terse: true);
        }

        if (!f.Has(OvsFlowAttr.Actions))
        {
            throw Missing(msg, OvsFlowAttr.Actions, "flow");
        }

        return new DatapathFlow(DecodeMatch(f), DecodeActions(f.Actions, f.ActionsOffset), f.Stats, f.Ufid);
    }

    private static DpifFlowDumpBatch DecodeBatch(NetlinkMessage msg, ref NetlinkMessageReader mr)
    {
        var flows = new List<DatapathFlow>();
        while (true)
        {
            if ((msg.Header.Flags & Nl.FMulti) == 0)
            {
                throw new DpifDecodeException("dump batch part without NLM_F_MULTI", msg.Offset, "nlmsghdr", null);
            }

            if (msg.Header.Type == Nl.TypeDone)
            {
                DecodeDone(msg);
                End(mr);
                return new DpifFlowDumpBatch(flows, true);
            }

            if (msg.Header.Type != OvsFamily.FlowId)
            {
                throw new DpifDecodeException($"unexpected message type 0x{msg.Header.Type:x4} in a dump batch", msg.Offset, "nlmsghdr", null);
            }

            var r = OpenOvs(msg, OvsSpaces.Flow, OvsFamily.FlowVersion, out _, out _);
            var f = ReadFlowAttrs(r);
            if (f.Has(OvsFlowAttr.VSwarmDumpCursor))
            {
                if (f.Has(OvsFlowAttr.Key) || f.Has(OvsFlowAttr.Ufid))
                {
                    throw new DpifDecodeException("dump cursor message carries a flow", msg.Offset, OvsSpaces.Flow.Name((int)OvsFlowAttr.VSwarmDumpCursor), (int)OvsFlowAttr.VSwarmDumpCursor);
                }

                End(mr);
                return new DpifFlowDumpBatch(flows, false, f.Cursor);
            }

            flows.Add(DecodeFlow(msg, f));
            if (!mr.TryRead(out msg))
            {
                throw new DpifDecodeException("dump batch without NLMSG_DONE or cursor message", mr.Offset, "nlmsghdr", null);
            }
        }
    }

    private static void End(in NetlinkMessageReader mr)
    {
        if (!mr.AtEnd)
        {
            throw new DpifDecodeException("trailing bytes after the message", mr.Offset, "nlmsghdr", null);
        }
    }

    private static void DecodeDone(in NetlinkMessage msg)
    {
        if (msg.Body.Length < 4)
        {
            throw new DpifDecodeException($"NLMSG_DONE body of {msg.Body.Length} bytes (4 expected)", msg.BodyOffset, "NLMSG_DONE", null);
        }
    }

    private static DpifReply DecodeError(in NetlinkMessage msg)
    {
        if (msg.Body.Length < 4)
        {
            throw new DpifDecodeException($"NLMSG_ERROR body of {msg.Body.Length} bytes (at least 4 expected)", msg.BodyOffset, "NLMSG_ERROR", null);
        }

        var code = BinaryPrimitives.ReadInt32LittleEndian(msg.Body);
        if (code > 0 || code <= -4096)
        {
            throw new DpifDecodeException($"NLMSG_ERROR code {code} is not 0 or a negative errno", msg.BodyOffset, "NLMSG_ERROR", null);
        }

        return new DpifReply(-code);
    }

    private static DpifMessage DecodePacketMessage(in NetlinkMessage msg)
    {
        var r = OpenOvs(msg, OvsSpaces.Packet, OvsFamily.PacketVersion, out var genl, out var dp);
        var seen = default(AttrSeen);
        scoped ReadOnlySpan<byte> packet = default;
        scoped ReadOnlySpan<byte> key = default;
        var keyOff = 0;
        scoped ReadOnlySpan<byte> actions = default;
        var actOff = 0;
        ByteBlob? userdata = null;
        ushort? mru = null;
        ulong? hash = null;
        uint? upcallPid = null;
        Ufid? ufid = null;
        var probe = false;
        while (r.TryRead(out var a))
        {
            seen.Add(a);
            switch ((OvsPacketAttr)a.Type)
            {
                case OvsPacketAttr.Packet:
                    packet = a.Payload;
                    break;
                case OvsPacketAttr.Key:
                    key = a.Payload;
                    keyOff = a.PayloadOffset;
                    break;
                case OvsPacketAttr.Actions:
                    actions = a.Payload;
                    actOff = a.PayloadOffset;
                    break;
                case OvsPacketAttr.Userdata:
                    userdata = new ByteBlob(a.Payload);
                    break;
                case OvsPacketAttr.Probe:
                    a.ExpectFlag();
                    probe = true;
                    break;
                case OvsPacketAttr.Mru:
                    mru = a.U16();
                    break;
                case OvsPacketAttr.Len:
                    a.U32();
                    break;
                case OvsPacketAttr.Hash:
                    hash = a.U64();
                    break;
                case OvsPacketAttr.UpcallPid:
                    upcallPid = a.U32();
                    break;
                case OvsPacketAttr.EgressTunKey:
                    var t = a.Nested(OvsSpaces.Opaque);
                    while (t.TryRead(out _))
                    {
                    }

                    break;
                case OvsPacketAttr.VSwarmUfid:
                    ufid = Ufid.Read(a.Expect(Ufid.Size));
                    break;
                default:
                    throw a.Error("unknown packet attribute");
            }
        }

        if (!seen.Has((int)OvsPacketAttr.Packet))
        {
            throw new DpifDecodeException("packet message without required attribute", msg.Offset, OvsSpaces.Packet.Name((int)OvsPacketAttr.Packet), (int)OvsPacketAttr.Packet);
        }

        if (!seen.Has((int)OvsPacketAttr.Key))
        {
            throw new DpifDecodeException("packet message without required attribute", msg.Offset, OvsSpaces.Packet.Name((int)OvsPacketAttr.Key), (int)OvsPacketAttr.Key);
        }

        switch ((OvsPacketCmd)genl.Command)
        {
            case OvsPacketCmd.Miss or OvsPacketCmd.Action:
                var k = OdpKeyCodec.Decode(new NetlinkReader(key, keyOff, OvsSpaces.Key), default, false).Key;
                DpActions? acts = seen.Has((int)OvsPacketAttr.Actions) ? DecodeActions(actions, actOff) : null;
                var type = genl.Command == (byte)OvsPacketCmd.Miss ? DpifUpcallType.Miss : DpifUpcallType.Action;
                return new DpifUpcall(type, new ByteBlob(packet), k, ufid, userdata, hash, mru, acts, dp);
            case OvsPacketCmd.Execute:
                if (!seen.Has((int)OvsPacketAttr.Actions))
                {
                    throw new DpifDecodeException("execute without required attribute", msg.Offset, OvsSpaces.Packet.Name((int)OvsPacketAttr.Actions), (int)OvsPacketAttr.Actions);
                }

                var meta = DecodeMetadata(key, keyOff);
                return new DpifExecute(new ByteBlob(packet), meta, DecodeActions(actions, actOff), probe, mru, hash, upcallPid, dp);
            default:
                throw new DpifDecodeException($"unknown packet command {genl.Command}", msg.BodyOffset, "genlmsghdr", null);
        }
    }

    private static FlowKey DecodeMetadata(ReadOnlySpan<byte> key, int offset)
    {
        var r = new NetlinkReader(key, offset, OvsSpaces.Key);
        var seen = default(AttrSeen);
        var k = default(FlowKey);
        while (r.TryRead(out var a))
        {
            seen.Add(a);
            switch ((OvsKeyAttr)a.Type)
            {
                case OvsKeyAttr.RecircId:
                    k.RecircId = a.U32();
                    break;
                case OvsKeyAttr.InPort:
                    k.InPort = a.U32();
                    break;
                default:
                    var size = KeyAttrs.PayloadSize((OvsKeyAttr)a.Type);
                    if (size == -3)
                    {
                        throw a.Error("unknown key attribute");
                    }

                    if (size >= 0)
                    {
                        a.Expect(size);
                    }

                    break;
            }
        }

        return k;
    }
}
