using VSwarm.Messages.Ofctl;
using Xunit;

namespace VSwarm.Tests.Unit.Ofctl;

public class OfctlSmokeTests
{
    [Theory]
    [InlineData("priority=16,in_port=1,tcp,nw_dst=10.1.0.0/16,actions=output:3", "priority=16,tcp,in_port=1,nw_dst=10.1.0.0/16 actions=output:3")]
    [InlineData("recirc_id=0,ip,actions=drop", "recirc_id=0,eth,ip actions=drop")]
    [InlineData("tcp6,tcp_flags=syn|ack,ipv6_src=2001:db8::/32,ipv6_label=0x12345,actions=drop", "tcp6,ipv6_src=2001:db8::/32,ipv6_label=0x12345,tcp_flags=syn|ack actions=drop")]
    [InlineData("icmp6,icmp_type=135,icmp_code=0,nd_target=1000::1,nd_sll=00:00:00:00:00:01,nw_ttl=255,actions=drop", "icmp6,nw_ttl=255,icmp_type=135,icmp_code=0,nd_target=1000::1,nd_sll=00:00:00:00:00:01 actions=drop")]
    [InlineData("arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/8,arp_sha=00:01:02:03:04:05,actions=drop", "arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/8,arp_op=1,arp_sha=00:01:02:03:04:05 actions=drop")]
    [InlineData("ip,nw_tos=16,nw_ecn=3,nw_frag=later,reg0=5,reg1=0/0xff,metadata=0x5,dl_src=01:00:00:00:00:00/01:00:00:00:00:00,nw_src=10.0.0.0/255.0.255.0,actions=drop", "ip,reg0=0x5,reg1=0/0xff,metadata=0x5,dl_src=01:00:00:00:00:00/01:00:00:00:00:00,nw_src=10.0.0.0/255.0.255.0,nw_tos=16,nw_ecn=3,nw_frag=later actions=drop")]
    [InlineData("vlan_tci=0x1005/0x1fff,actions=drop", "dl_vlan=5 actions=drop")]
    [InlineData("vlan_tci=0x0/0x1000,actions=drop", "vlan_tci=0x0000/0x1000 actions=drop")]
    [InlineData("tcp,tcp_flags=0x002/0x0ff,actions=drop", "tcp,tcp_flags=-fin+syn-rst-psh-ack-urg-ece-cwr actions=drop")]
    [InlineData("in_port=LOCAL,dl_type=0x88cc,actions=drop", "in_port=LOCAL,dl_type=0x88cc actions=drop")]
    [InlineData("sctp,sctp_src=5,actions=drop", "sctp,tp_src=5 actions=drop")]
    [InlineData("udp6,udp_dst=53,actions=output:LOCAL", "udp6,tp_dst=53 actions=LOCAL")]
    [InlineData("ip,ip_dscp=4,nw_frag=not_later,actions=drop", "ip,nw_tos=16,nw_frag=not_later actions=drop")]
    [InlineData("cookie=0x10,table=2,idle_timeout=5,priority=5,ip,actions=dec_ttl", "cookie=0x10, table=2, idle_timeout=5, priority=5,ip actions=dec_ttl")]
    [InlineData("actions=load:0x1->NXM_NX_REG0[0..15],move:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],load:5->reg2[],load:0xab->NXM_OF_ETH_DST[0..7],move:reg0[]->reg1[],move:eth_src[]->eth_dst[]", "actions=load:0x1->NXM_NX_REG0[0..15],move:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],load:0x5->NXM_NX_REG2[],load:0xab->NXM_OF_ETH_DST[0..7],move:NXM_NX_REG0[]->NXM_NX_REG1[],move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]")]
    [InlineData("ip,actions=mod_dl_src:00:00:00:00:00:01,mod_dl_dst:00:00:00:00:00:02,mod_nw_src:1.2.3.4,mod_nw_dst:1.2.3.5,dec_ttl,normal,in_port,flood,all,local,controller", "ip actions=mod_dl_src:00:00:00:00:00:01,mod_dl_dst:00:00:00:00:00:02,mod_nw_src:1.2.3.4,mod_nw_dst:1.2.3.5,dec_ttl,NORMAL,IN_PORT,FLOOD,ALL,LOCAL,CONTROLLER:65535")]
    [InlineData("actions=sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=4,egress),sample(probability=5,ingress,sampling_port=in_port)", "actions=sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=4,egress),sample(probability=5,collector_set_id=0,obs_domain_id=0,obs_point_id=0,sampling_port=IN_PORT,ingress)")]
    [InlineData("actions=sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3),sample(probability=65535)", "actions=sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3),sample(probability=65535,collector_set_id=0,obs_domain_id=0,obs_point_id=0)")]
    [InlineData("table=3,idle_timeout=10,hard_timeout=20,priority=100,udp,tp_dst=0x40/0xfff0,actions=3,resubmit(,2),resubmit:4,resubmit(5,6),resubmit(5)", "table=3, idle_timeout=10, hard_timeout=20, priority=100,udp,tp_dst=0x40/0xfff0 actions=output:3,resubmit(,2),resubmit:4,resubmit(5,6),resubmit:5")]
    [InlineData("icmp,actions=set_field:3->icmp_type,set_field:5->nw_ttl,set_field:6->ip_dscp,set_field:1->ip_ecn", "icmp actions=set_field:3->icmp_type,set_field:5->nw_ttl,set_field:6->ip_dscp,set_field:1->nw_ecn")]
    [InlineData("dl_vlan=5,actions=set_field:4101->vlan_tci,set_field:5->vlan_pcp", "dl_vlan=5 actions=set_field:0x1005->vlan_tci,set_field:5->vlan_pcp")]
    public void Formats_like_ovs_ofctl(string input, string expected)
    {
        var rule = OfctlFlowParser.ParseFlow(input);
        var text = OfctlFlowFormatter.Format(rule);
        Assert.Equal(expected, text);
        Assert.Equal(rule, OfctlFlowParser.ParseFlow(text));
    }
}
