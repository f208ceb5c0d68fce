using VSwarm.Messages.Flow;
using Xunit;

namespace VSwarm.Tests.Unit.Flow;

public class FlowCoreTests
{
    [Fact]
    public void Typed_accessors_and_field_descriptors_read_the_same_bits()
    {
        var k = default(FlowKey);
        k.InPort = 7;
        k.RecircId = 3;
        k.NwDst = 0x0A010203;
        k.TpSrc = 8;
        k.TpDst = 80;
        k.DlSrc = 0x5054_0000_0005;
        k.Ipv6Dst = UInt128.MaxValue - 1;
        Assert.Equal((UInt128)7, k.Get(FlowFields.InPort));
        Assert.Equal((UInt128)3, k.Get(FlowFields.RecircId));
        Assert.Equal((UInt128)0x0A010203, k.Get(FlowFields.NwDst));
        Assert.Equal((uint)(8 << 16 | 80), k.PortsWord);
        Assert.Equal((UInt128)0x5054_0000_0005, k.Get(FlowFields.DlSrc));
        Assert.Equal(UInt128.MaxValue - 1, k.Get(FlowFields.Ipv6Dst));
        Assert.Equal(0u, k.NwSrc);
    }

    [Fact]
    public void Fields_do_not_overlap_and_sit_in_their_ovs_stage()
    {
        var seen = default(FlowMask);
        foreach (var f in FlowFields.All)
        {
            var one = default(FlowMask);
            one.Unwildcard(f);
            Assert.Equal(UInt128.Zero, seen.Intersect(one).Get(f));
            seen.UnionWith(one);
        }

        Assert.Equal(FlowStage.Metadata, FlowFields.Regs[7].Stage);
        Assert.Equal(FlowStage.L2, FlowFields.VlanTci.Stage);
        Assert.Equal(FlowStage.L3, FlowFields.NwFrag.Stage);
        Assert.Equal(FlowStage.L4, FlowFields.TcpFlags.Stage);
        Assert.Equal(FlowStage.L4, FlowFields.ArpTha.Stage);
    }

    [Fact]
    public void Prefix_masks_and_has_extra_follow_ovs()
    {
        var m16 = default(FlowMask);
        m16.UnwildcardPrefix(FlowFields.NwDst, 16);
        var m24 = default(FlowMask);
        m24.UnwildcardPrefix(FlowFields.NwDst, 24);
        Assert.Equal((UInt128)0xFFFF0000, m16.Get(FlowFields.NwDst));
        Assert.Equal(16, FlowFields.NwDst.PrefixLength(m16.Get(FlowFields.NwDst)));
        Assert.Equal(-1, FlowFields.NwDst.PrefixLength(0x00FF0000));
        Assert.Equal(UInt128.MaxValue, FlowFields.Ipv6Dst.PrefixMask(128));
        Assert.Equal(128, FlowFields.Ipv6Dst.PrefixLength(UInt128.MaxValue));
        Assert.Equal((UInt128)0xFFFFFFFF, FlowFields.NwDst.PrefixMask(32));
        Assert.True(m16.HasExtraBits(m24));
        Assert.False(m24.HasExtraBits(m16));
    }

    [Fact]
    public void Overlap_needs_agreement_on_common_bits_only()
    {
        var inPort1 = Build((ref FlowKey k) => k.InPort = 1, (ref FlowMask m) => m.Unwildcard(FlowFields.InPort));
        var ip = Build((ref FlowKey k) => k.DlType = 0x0800, (ref FlowMask m) => m.Unwildcard(FlowFields.DlType));
        var inPort2 = Build((ref FlowKey k) => k.InPort = 2, (ref FlowMask m) => m.Unwildcard(FlowFields.InPort));
        Assert.True(inPort1.Overlaps(ip));
        Assert.False(inPort1.Overlaps(inPort2));
    }

    private delegate void KeyEdit(ref FlowKey k);

    private delegate void MaskEdit(ref FlowMask m);

    private static Match Build(KeyEdit key, MaskEdit mask)
    {
        var k = default(FlowKey);
        var m = default(FlowMask);
        key(ref k);
        mask(ref m);
        return new Match(k, m);
    }
}
