using System.Buffers.Binary;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// Datapath actions ↔ OVS_ACTION_ATTR_* attributes. Sizes are netlink's: OUTPUT 8 B;
/// USERSPACE{PID, USERDATA(48)} 64 B (+ACTIONS flag 68 B, +EGRESS_TUN_PORT 8 B);
/// SAMPLE{PROBABILITY, ACTIONS{…}} 12 + 4 + inner. Decoding caps the number of actions (all
/// levels together) at <see cref="MaxActions"/> and nesting at <see cref="NetlinkReader.MaxDepth"/>.
/// </summary>
public static class DpActionCodec
{
    /// <summary>Most actions accepted in one decoded list, nested lists included.</summary>
    public const int MaxActions = 4096;

    /// <summary>Writes the actions as a sequence of attributes (no enclosing nest).</summary>
    public static void Encode(NetlinkWriter w, DpActions actions)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(actions);
        foreach (var a in actions)
        {
            Encode(w, a);
        }
    }

    /// <summary>The attribute bytes of an action list.</summary>
    public static byte[] ToBytes(DpActions actions)
    {
        var w = new NetlinkWriter(128);
        Encode(w, actions);
        return w.ToArray();
    }

    /// <summary>Writes one action attribute.</summary>
    public static void Encode(NetlinkWriter w, DpAction action)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(action);
        var t = (ushort)action.Kind;
        switch (action)
        {
            case OutputAction o:
                w.PutU32(t, o.Port);
                break;
            case UserspaceAction u:
                var n = w.BeginNested(t);
                w.PutU32((ushort)OvsUserspaceAttr.Pid, u.Pid);
                if (u.Userdata is { } ud)
                {
                    w.PutBytes((ushort)OvsUserspaceAttr.Userdata, ud.Span);
                }

                if (u.EgressTunPort is { } etp)
                {
                    w.PutU32((ushort)OvsUserspaceAttr.EgressTunPort, etp);
                }

                if (u.IncludeActions)
                {
                    w.PutFlag((ushort)OvsUserspaceAttr.Actions);
                }

                w.EndNested(n);
                break;
            case SetAction s:
                var ns = w.BeginNested(t);
                var ps = w.PutAttribute((ushort)s.Attr, KeyAttrs.PayloadSize(s.Attr));
                KeyAttrs.Write(s.Attr, ps, s.Value.ReadOnlyWords, false);
                w.EndNested(ns);
                break;
            case SetMaskedAction sm:
                var nm = w.BeginNested(t);
                var size = KeyAttrs.PayloadSize(sm.Attr);
                var pm = w.PutAttribute((ushort)sm.Attr, 2 * size);
                KeyAttrs.Write(sm.Attr, pm[..size], sm.Value.ReadOnlyWords, false);
                KeyAttrs.Write(sm.Attr, pm[size..], sm.Mask.ReadOnlyWords, true);
                w.EndNested(nm);
                break;
            case PushVlanAction pv:
                var pp = w.PutAttribute(t, 4);
                BinaryPrimitives.WriteUInt16BigEndian(pp, pv.Tpid);
                BinaryPrimitives.WriteUInt16BigEndian(pp[2..], pv.Tci);
                break;
            case PopVlanAction or CtClearAction:
                w.PutFlag(t);
                break;
            case SampleAction sa:
                var nsa = w.BeginNested(t);
                w.PutU32((ushort)OvsSampleAttr.Probability, sa.Probability);
                var na = w.BeginNested((ushort)OvsSampleAttr.Actions);
                Encode(w, sa.Actions);
                w.EndNested(na);
                w.EndNested(nsa);
                break;
            case CloneAction c:
                var nc = w.BeginNested(t);
                Encode(w, c.Actions);
                w.EndNested(nc);
                break;
            case RecircAction r:
                w.PutU32(t, r.Id);
                break;
            case HashAction h:
                var ph = w.PutAttribute(t, 8);
                BinaryPrimitives.WriteUInt32LittleEndian(ph, h.Algorithm);
                BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], h.Basis);
                break;
            case TruncAction tr:
                w.PutU32(t, tr.MaxLen);
                break;
            case MeterAction me:
                w.PutU32(t, me.MeterId);
                break;
            case DropAction d:
                w.PutU32(t, d.Reason);
                break;
            default:
                throw new ArgumentException($"no netlink encoding for {action.GetType().Name}", nameof(action));
        }
    }

    /// <summary>Decodes an action attribute stream (no enclosing nest) starting at absolute offset 0.</summary>
    public static DpActions Decode(ReadOnlySpan<byte> bytes)
    {
        var budget = MaxActions;
        var r = new NetlinkReader(bytes, 0, OvsSpaces.Action);
        return Decode(ref r, ref budget);
    }

    /// <summary>Decodes an action stream; <paramref name="budget"/> counts down the actions allowed.</summary>
    public static DpActions Decode(ref NetlinkReader r, ref int budget)
    {
        List<DpAction>? list = null;
        while (r.TryRead(out var a))
        {
            if (--budget < 0)
            {
                throw a.Error($"more than {MaxActions} actions");
            }

            (list ??= []).Add(DecodeOne(a, ref budget));
        }

        return list is null ? DpActions.Empty : new DpActions(list);
    }

    private static DpAction DecodeOne(in NetlinkAttribute a, ref int budget)
    {
        switch ((OvsActionAttr)a.Type)
        {
            case OvsActionAttr.Output:
                return new OutputAction(a.U32());
            case OvsActionAttr.Userspace:
                return DecodeUserspace(a);
            case OvsActionAttr.Set:
                {
                    var inner = SingleKeyAttr(a, out var ka);
                    var size = KeyAttrs.PayloadSize(ka);
                    if (!KeyAttrs.IsSettable(ka))
                    {
                        throw inner.Error("not a settable key attribute");
                    }

                    inner.Expect(size);
                    var v = default(FlowKey);
                    KeyAttrs.Read(inner, v.Words, false);
                    return new SetAction(ka, v);
                }

            case OvsActionAttr.SetMasked:
                {
                    var inner = SingleKeyAttr(a, out var ka);
                    if (!KeyAttrs.IsSettable(ka))
                    {
                        throw inner.Error("not a settable key attribute");
                    }

                    var size = KeyAttrs.PayloadSize(ka);
                    inner.Expect(2 * size);
                    var v = default(FlowKey);
                    var m = default(FlowMask);
                    KeyAttrs.Read(Half(inner, 0, size), v.Words, false);
                    KeyAttrs.Read(Half(inner, size, size), m.Words, true);
                    if (!v.Equals(v.Masked(m)))
                    {
                        throw inner.Error("masked set has value bits outside its mask");
                    }

                    return new SetMaskedAction(ka, v, m);
                }

            case OvsActionAttr.PushVlan:
                {
                    var p = a.Expect(4);
                    var tci = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
                    if ((tci & FlowKey.VlanCfi) == 0)
                    {
                        throw a.Error("push_vlan TCI without CFI", 2);
                    }

                    return new PushVlanAction(BinaryPrimitives.ReadUInt16BigEndian(p), tci);
                }

            case OvsActionAttr.PopVlan:
                a.ExpectFlag();
                return PopVlanAction.Instance;
            case OvsActionAttr.CtClear:
                a.ExpectFlag();
                return CtClearAction.Instance;
            case OvsActionAttr.Sample:
                return DecodeSample(a, ref budget);
            case OvsActionAttr.Clone:
                {
                    var r = a.Nested(OvsSpaces.Action);
                    return new CloneAction(Decode(ref r, ref budget));
                }

            case OvsActionAttr.Recirc:
                return new RecircAction(a.U32());
            case OvsActionAttr.Hash:
                {
                    var p = a.Expect(8);
                    return new HashAction(BinaryPrimitives.ReadUInt32LittleEndian(p), BinaryPrimitives.ReadUInt32LittleEndian(p[4..]));
                }

            case OvsActionAttr.Trunc:
                return new TruncAction(a.U32());
            case OvsActionAttr.Meter:
                return new MeterAction(a.U32());
            case OvsActionAttr.Drop:
                return new DropAction(a.U32());
            default:
                throw a.Error("unknown or unsupported action");
        }
    }

    private static NetlinkAttribute Half(in NetlinkAttribute a, int from, int size) =>
        new(a.RawType, a.Payload.Slice(from, size), a.Offset + from, a.Space, a.Depth);

    private static NetlinkAttribute SingleKeyAttr(in NetlinkAttribute a, out OvsKeyAttr attr)
    {
        var r = a.Nested(OvsSpaces.Key);
        if (!r.TryRead(out var inner))
        {
            throw a.Error("set action without a key attribute");
        }

        if (r.TryRead(out var extra))
        {
            throw extra.Error("set action with more than one key attribute");
        }

        attr = (OvsKeyAttr)inner.Type;
        return inner;
    }

    private static UserspaceAction DecodeUserspace(in NetlinkAttribute a)
    {
        var r = a.Nested(OvsSpaces.Userspace);
        var seen = default(AttrSeen);
        uint? pid = null;
        ByteBlob? userdata = null;
        uint? etp = null;
        var actions = false;
        while (r.TryRead(out var x))
        {
            seen.Add(x);
            switch ((OvsUserspaceAttr)x.Type)
            {
                case OvsUserspaceAttr.Pid:
                    pid = x.U32();
                    break;
                case OvsUserspaceAttr.Userdata:
                    userdata = new ByteBlob(x.Payload);
                    break;
                case OvsUserspaceAttr.EgressTunPort:
                    etp = x.U32();
                    break;
                case OvsUserspaceAttr.Actions:
                    x.ExpectFlag();
                    actions = true;
                    break;
                default:
                    throw x.Error("unknown userspace attribute");
            }
        }

        if (pid is not { } p)
        {
            throw new DpifDecodeException("userspace action without required PID", a.Offset, OvsSpaces.Userspace.Name((int)OvsUserspaceAttr.Pid), (int)OvsUserspaceAttr.Pid);
        }

        return new UserspaceAction(p, userdata, actions, etp);
    }

    private static SampleAction DecodeSample(in NetlinkAttribute a, ref int budget)
    {
        var r = a.Nested(OvsSpaces.Sample);
        var seen = default(AttrSeen);
        uint? prob = null;
        DpActions? actions = null;
        while (r.TryRead(out var x))
        {
            seen.Add(x);
            switch ((OvsSampleAttr)x.Type)
            {
                case OvsSampleAttr.Probability:
                    prob = x.U32();
                    break;
                case OvsSampleAttr.Actions:
                    var inner = x.Nested(OvsSpaces.Action);
                    actions = Decode(ref inner, ref budget);
                    break;
                default:
                    throw x.Error("unknown sample attribute");
            }
        }

        if (prob is not { } p)
        {
            throw new DpifDecodeException("sample action without required PROBABILITY", a.Offset, OvsSpaces.Sample.Name((int)OvsSampleAttr.Probability), (int)OvsSampleAttr.Probability);
        }

        if (actions is null)
        {
            throw new DpifDecodeException("sample action without required ACTIONS", a.Offset, OvsSpaces.Sample.Name((int)OvsSampleAttr.Actions), (int)OvsSampleAttr.Actions);
        }

        return new SampleAction(p, actions);
    }
}
