using System.Buffers.Binary;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;
using Xunit;

namespace VSwarm.Tests.Unit.Dpif;

/// <summary>Malformed inputs: each names the offset and the attribute of the fault.</summary>
public class MalformedInputTests
{
    private const int FirstAttr = Nl.OvsPreambleSize; // 24

    /// <summary>An ovs_flow NEW request whose attributes <paramref name="attrs"/> writes.</summary>
    private static byte[] FlowMsg(Action<NetlinkWriter> attrs, ushort type = OvsFamily.FlowId)
    {
        var w = new NetlinkWriter();
        var s = w.BeginMessage(type, Nl.FRequest | Nl.FCreate);
        w.PutGenlHeader((byte)OvsFlowCmd.New, OvsFamily.FlowVersion);
        w.PutOvsHeader(0);
        attrs(w);
        w.EndMessage(s);
        return w.ToArray();
    }

    /// <summary>A flow put whose KEY nest (first attribute, payload at 28) holds <paramref name="key"/>.</summary>
    private static byte[] WithKey(Action<NetlinkWriter> key, Action<NetlinkWriter>? mask = null) => FlowMsg(w =>
    {
        var k = w.BeginNested((ushort)OvsFlowAttr.Key);
        key(w);
        w.EndNested(k);
        if (mask is not null)
        {
            var m = w.BeginNested((ushort)OvsFlowAttr.Mask);
            mask(w);
            w.EndNested(m);
        }

        var a = w.BeginNested((ushort)OvsFlowAttr.Actions);
        w.EndNested(a);
    });

    private static void Ipv4Key(NetlinkWriter w, byte proto = 6, byte frag = 0)
    {
        w.PutBe16((ushort)OvsKeyAttr.Ethertype, 0x0800);
        var p = w.PutAttribute((ushort)OvsKeyAttr.Ipv4, 12);
        p[8] = proto;
        p[11] = frag;
    }

    private static DpifDecodeException Fails(byte[] bytes, int offset, string? attribute)
    {
        var e = Assert.Throws<DpifDecodeException>(() => DpifCodec.Decode(bytes));
        Assert.Equal(offset, e.Offset);
        Assert.Equal(attribute, e.Attribute);
        Assert.Contains($"at offset {offset}", e.Message, StringComparison.Ordinal);
        if (attribute is not null)
        {
            Assert.Contains(attribute, e.Message, StringComparison.Ordinal);
        }

        return e;
    }

    private static byte[] ValidPut() => new DpifFlowPut(FlowPutFlags.Create, Match.CatchAll, DpActions.Of(new OutputAction(1))).ToNetlink();

    [Fact]
    public void Truncated_message_header() => Fails(ValidPut()[..10], 0, "nlmsghdr");

    [Fact]
    public void Nlmsg_len_below_header_size()
    {
        var b = ValidPut();
        BinaryPrimitives.WriteUInt32LittleEndian(b, 12);
        Fails(b, 0, "nlmsghdr");
    }

    [Fact]
    public void Nlmsg_len_past_the_buffer()
    {
        var b = ValidPut();
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)b.Length + 4);
        Fails(b, 0, "nlmsghdr");
    }

    [Fact]
    public void Body_too_short_for_genl_and_ovs_headers()
    {
        var b = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 20);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), OvsFamily.FlowId);
        Fails(b, 16, "genlmsghdr");
    }

    [Fact]
    public void Nla_len_below_four()
    {
        var b = FlowMsg(w => w.PutU32((ushort)OvsFlowAttr.Ufid, 0));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FirstAttr), 3);
        var e = Fails(b, FirstAttr, "OVS_FLOW_ATTR_UFID");
        Assert.Contains("nla_len 3 < 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nla_len_past_the_end_of_the_message()
    {
        var b = FlowMsg(w => w.PutU32((ushort)OvsFlowAttr.Ufid, 0));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FirstAttr), 40);
        Fails(b, FirstAttr, "OVS_FLOW_ATTR_UFID");
    }

    [Fact]
    public void Truncated_attribute_header()
    {
        var b = FlowMsg(w => w.PutU32((ushort)OvsFlowAttr.Ufid, 0))[..(FirstAttr + 2)];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)b.Length);
        Fails(b, FirstAttr, "OVS_FLOW_ATTR_?");
    }

    [Fact]
    public void Nested_attribute_overruns_its_nest()
    {
        var b = WithKey(w => w.PutU32((ushort)OvsKeyAttr.InPort, 1));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FirstAttr + 4), 12);
        Fails(b, FirstAttr + 4, "OVS_KEY_ATTR_IN_PORT");
    }

    [Fact]
    public void Wrong_payload_size_for_u32() =>
        Fails(WithKey(w => w.PutBytes((ushort)OvsKeyAttr.InPort, [1, 2, 3])), FirstAttr + 4, "OVS_KEY_ATTR_IN_PORT");

    [Fact]
    public void Wrong_payload_size_for_ipv4() =>
        Fails(WithKey(w =>
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, 0x0800);
            w.PutBytes((ushort)OvsKeyAttr.Ipv4, new byte[11]);
        }), FirstAttr + 4 + 8, "OVS_KEY_ATTR_IPV4");

    [Fact]
    public void Wrong_payload_size_for_ethernet() =>
        Fails(WithKey(w => w.PutBytes((ushort)OvsKeyAttr.Ethernet, new byte[10])), FirstAttr + 4, "OVS_KEY_ATTR_ETHERNET");

    [Fact]
    public void Duplicate_key_attribute() =>
        Fails(WithKey(w =>
        {
            w.PutU32((ushort)OvsKeyAttr.InPort, 1);
            w.PutU32((ushort)OvsKeyAttr.InPort, 2);
        }), FirstAttr + 4 + 8, "OVS_KEY_ATTR_IN_PORT");

    [Fact]
    public void Duplicate_flow_attribute() =>
        Fails(FlowMsg(w =>
        {
            w.PutFlag((ushort)OvsFlowAttr.Probe);
            w.PutFlag((ushort)OvsFlowAttr.Probe);
        }), FirstAttr + 4, "OVS_FLOW_ATTR_PROBE");

    [Fact]
    public void Unknown_key_attribute() => Fails(WithKey(w => w.PutU32(40, 1)), FirstAttr + 4, "OVS_KEY_ATTR_#40");

    [Fact]
    public void Unknown_flow_attribute() => Fails(FlowMsg(w => w.PutU32(55, 1)), FirstAttr, "OVS_FLOW_ATTR_#55");

    [Fact]
    public void Missing_required_actions_of_a_flow_put() =>
        Fails(FlowMsg(w =>
        {
            var k = w.BeginNested((ushort)OvsFlowAttr.Key);
            w.EndNested(k);
        }), 0, "OVS_FLOW_ATTR_ACTIONS");

    [Fact]
    public void Missing_required_pid_of_a_userspace_action() =>
        Fails(FlowMsg(w =>
        {
            var k = w.BeginNested((ushort)OvsFlowAttr.Key);
            w.EndNested(k);
            var a = w.BeginNested((ushort)OvsFlowAttr.Actions);
            var u = w.BeginNested((ushort)OvsActionAttr.Userspace);
            w.PutBytes((ushort)OvsUserspaceAttr.Userdata, new byte[48]);
            w.EndNested(u);
            w.EndNested(a);
        }), FirstAttr + 4 + 4, "OVS_USERSPACE_ATTR_PID");

    [Fact]
    public void Unknown_action() =>
        Fails(FlowMsg(w =>
        {
            var k = w.BeginNested((ushort)OvsFlowAttr.Key);
            w.EndNested(k);
            var a = w.BeginNested((ushort)OvsFlowAttr.Actions);
            w.PutU32(99, 0);
            w.EndNested(a);
        }), FirstAttr + 4 + 4, "OVS_ACTION_ATTR_#99");

    [Fact]
    public void Fragment_enum_out_of_range()
    {
        var e = Fails(WithKey(w => Ipv4Key(w, frag: 3)), FirstAttr + 4 + 8 + 4 + 11, "OVS_KEY_ATTR_IPV4");
        Assert.Contains("fragment type 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_fragment_mask() =>
        Fails(WithKey(w => Ipv4Key(w), w =>
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, 0xffff);
            w.PutAttribute((ushort)OvsKeyAttr.Ipv4, 12)[11] = 0x0f;
        }), FirstAttr + 28 + 4 + 8 + 4 + 11, "OVS_KEY_ATTR_IPV4");

    [Fact]
    public void L4_attribute_that_does_not_match_the_ip_protocol() =>
        Fails(WithKey(w =>
        {
            Ipv4Key(w, proto: 17);
            w.PutAttribute((ushort)OvsKeyAttr.Tcp, 4);
        }), FirstAttr + 4 + 8 + 16, "OVS_KEY_ATTR_TCP");

    [Fact]
    public void L4_attribute_on_a_later_fragment()
    {
        var e = Fails(WithKey(w =>
        {
            Ipv4Key(w, frag: 2);
            w.PutAttribute((ushort)OvsKeyAttr.Tcp, 4);
        }), FirstAttr + 4 + 8 + 16, "OVS_KEY_ATTR_TCP");
        Assert.Contains("later fragment", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void L3_attribute_that_does_not_match_the_ethertype() =>
        Fails(WithKey(w =>
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, 0x0800);
            w.PutAttribute((ushort)OvsKeyAttr.Ipv6, 40);
        }), FirstAttr + 4 + 8, "OVS_KEY_ATTR_IPV6");

    [Fact]
    public void Vlan_tci_without_cfi_in_a_key() =>
        Fails(WithKey(w =>
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, 0x8100);
            w.PutBe16((ushort)OvsKeyAttr.Vlan, 5);
        }), FirstAttr + 4 + 8, "OVS_KEY_ATTR_VLAN");

    [Fact]
    public void Mask_attribute_without_key_attribute() =>
        Fails(WithKey(w => w.PutU32((ushort)OvsKeyAttr.InPort, 1), w => w.PutU32((ushort)OvsKeyAttr.RecircId, 1)),
            FirstAttr + 4 + 8 + 4, "OVS_KEY_ATTR_RECIRC_ID");

    [Fact]
    public void Set_action_with_two_key_attributes() =>
        Fails(FlowMsg(w =>
        {
            var k = w.BeginNested((ushort)OvsFlowAttr.Key);
            w.EndNested(k);
            var a = w.BeginNested((ushort)OvsFlowAttr.Actions);
            var s = w.BeginNested((ushort)OvsActionAttr.Set);
            w.PutAttribute((ushort)OvsKeyAttr.Tcp, 4);
            w.PutAttribute((ushort)OvsKeyAttr.Udp, 4);
            w.EndNested(s);
            w.EndNested(a);
        }), FirstAttr + 4 + 4 + 4 + 8, "OVS_KEY_ATTR_UDP");

    [Fact]
    public void Error_message_with_positive_code()
    {
        var b = new DpifReply(DpifErrno.EEXIST).ToNetlink();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), 17);
        Fails(b, 16, "NLMSG_ERROR");
    }

    [Fact]
    public void Unknown_message_type() => Fails(FlowMsg(_ => { }, type: 0x77), 0, "nlmsghdr");

    [Fact]
    public void Trailing_bytes_after_the_message()
    {
        var b = ValidPut();
        Fails([.. b, .. new byte[8]], b.Length, "nlmsghdr");
    }

    [Fact]
    public void Wrong_genl_version()
    {
        var b = ValidPut();
        b[17] = 9;
        Fails(b, 17, "genlmsghdr");
    }

    [Fact]
    public void Actions_nested_deeper_than_the_cap()
    {
        var w = new NetlinkWriter();
        var tokens = new Stack<int>();
        for (var i = 0; i < 40; i++)
        {
            tokens.Push(w.BeginNested((ushort)OvsActionAttr.Clone));
        }

        while (tokens.Count > 0)
        {
            w.EndNested(tokens.Pop());
        }

        var e = Assert.Throws<DpifDecodeException>(() => DpActionCodec.Decode(w.WrittenSpan));
        Assert.Equal("OVS_ACTION_ATTR_CLONE", e.Attribute);
        Assert.Equal(31 * 4, e.Offset);
    }

    [Fact]
    public void Action_list_larger_than_the_cap()
    {
        var w = new NetlinkWriter();
        for (var i = 0; i <= DpActionCodec.MaxActions; i++)
        {
            w.PutFlag((ushort)OvsActionAttr.PopVlan);
        }

        var e = Assert.Throws<DpifDecodeException>(() => DpActionCodec.Decode(w.WrittenSpan));
        Assert.Equal(DpActionCodec.MaxActions * 4, e.Offset);
    }

    [Fact]
    public void Cookie_of_52_bytes_makes_a_bad_upcall()
    {
        var cookie = new SflowCookie(1, Guid.Empty, 0, 7).ToBytes();
        var k = default(FlowKey);
        var u = new DpifUpcall(DpifUpcallType.Action, ByteBlob.FromOwned(new byte[60]), k, Userdata: new ByteBlob([.. cookie, 0, 0, 0, 0]));
        Assert.Equal(UpcallKind.Bad, u.Kind);
        Assert.Equal(UpcallKind.Sflow, (u with { Userdata = new ByteBlob(cookie) }).Kind);
        Assert.Equal(UpcallKind.Bad, ((DpifUpcall)DpifCodec.Decode(u.ToNetlink())).Kind);
    }

    [Fact]
    public void Unknown_cookie_type_makes_a_bad_upcall()
    {
        var cookie = new SflowCookie(1, Guid.Empty, 0, 7).ToBytes();
        cookie[0] = 9;
        var u = new DpifUpcall(DpifUpcallType.Action, ByteBlob.FromOwned(new byte[60]), default, Userdata: new ByteBlob(cookie));
        Assert.Equal(UpcallKind.Bad, u.Kind);
        Assert.Null(u.Cookie);
        Assert.Equal(UpcallKind.Miss, (u with { Type = DpifUpcallType.Miss }).Kind);
    }
}
