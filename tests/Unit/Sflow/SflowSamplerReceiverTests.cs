using System.Net;
using System.Net.Sockets;
using VSwarm.Actors.Sflow;
using Xunit;

namespace VSwarm.Tests.Unit.Sflow;

public class SflowSamplerReceiverTests
{
    private static byte[] Packet(int length, byte fill = 0x5a) => Enumerable.Repeat(fill, length).ToArray();

    [Fact]
    public void Bridge_sampler_reproduces_ovs_brief_item_20()
    {
        // sampling=1, header=128; p1 ifindex 1004, p2 ifindex 1003; NORMAL switching.
        var s = SflowSampler.ForBridge(0, 1, 128);
        var arp = s.Sample(Packet(42), 1004, 0x80000002);
        Assert.Equal((2u, 1000u, 1u, 1u, 0u), (arp.SourceIdType, arp.SourceIdIndex, arp.SequenceNumber, arp.SamplePool, arp.Drops));
        Assert.Equal(new SflowInterface(0, 1004), arp.Input);
        Assert.Equal(new SflowInterface(2, 2), arp.Output);
        Assert.Equal([1001u, 1u], arp.Records.Select(r => r.Format)); // wire order: switch, then header
        var h = Assert.IsType<SflowSampledHeader>(arp.Records[1]);
        Assert.Equal((1u, 46u, 4u, 42), (h.Protocol, h.FrameLength, h.Stripped, h.Header.Length));

        var reply = s.Sample(Packet(42), 1003, 0x80000002);
        Assert.Equal((2u, 2u, 1003u), (reply.SequenceNumber, reply.SamplePool, reply.Input.Value));
        Assert.Equal(new SflowInterface(2, 2), reply.Output);

        var icmp = s.Sample(Packet(106), 1004, 1003);
        Assert.Equal((3u, 3u, 1004u), (icmp.SequenceNumber, icmp.SamplePool, icmp.Input.Value));
        Assert.Equal(new SflowInterface(0, 1003), icmp.Output);
        var ih = Assert.IsType<SflowSampledHeader>(icmp.Records[1]);
        Assert.Equal((110u, 106), (ih.FrameLength, ih.Header.Length));
        Assert.Equal(196, SflowEncoder.GetSampleSize(icmp));
    }

    [Fact]
    public void Sampler_pool_adds_the_rate_header_is_cut_and_vlans_and_drops_are_reported()
    {
        var s = new SflowSampler(3, 77, 400, 128);
        s.CountDrop();
        var f = s.Sample(Packet(1500), 3, 0x40000100, inputTci: (5 << 13) | 10, outputTci: 20);
        Assert.Equal((1u, 400u, 1u, 400u), (f.SequenceNumber, f.SamplePool, f.Drops, f.SamplingRate));
        Assert.Equal(new SflowInterface(1, 256), f.Output);
        Assert.Equal(new SflowExtendedSwitch(10, 5, 20, 0), f.Records[0]);
        Assert.Equal(128, ((SflowSampledHeader)f.Records[1]).Header.Length);
        Assert.Equal(1504u, ((SflowSampledHeader)f.Records[1]).FrameLength);
        Assert.Equal(800u, s.Sample(Packet(60), 3, 4).SamplePool);
        Assert.Throws<InvalidOperationException>(() => new SflowSampler(0, 1, 0).Sample(Packet(60), 1, 2));
    }

    [Fact]
    public void Per_flow_indexes_fold_the_cookie_to_24_bits_and_detect_collisions()
    {
        var idx = new SflowFlowSamplerIndex();
        Assert.Equal(0u, idx.SourceClass);
        Assert.Equal(0x123456u, idx.Register(0x123456));
        Assert.Equal(0x123456u, idx.Register(0x123456)); // idempotent
        Assert.Equal(1u, SflowFlowSamplerIndex.Fold(0));
        var e = Assert.Throws<SflowIndexCollisionException>(() => idx.Register(0x123456ul << 24 | 0x000000)); // same fold
        Assert.Equal(0x123456u, e.Index);
        Assert.Equal(0x123456ul, e.Existing);
        Assert.Contains("0x123456000000", e.Message, StringComparison.Ordinal);
        Assert.True(idx.TryGetIndex(0x123456, out var i) && i == 0x123456);
        Assert.All(new ulong[] { ulong.MaxValue, 0xDEADBEEFCAFEF00D, 1 }, c => Assert.InRange(SflowFlowSamplerIndex.Fold(c), 1u, 0xFFFFFFu));
    }

    [Fact]
    public void Receiver_packs_ovs_brief_item_22()
    {
        long now = 5_000;
        var sent = new List<byte[]>();
        var r = new SflowReceiver(IPAddress.Parse("192.0.2.10"), 0, () => now, sent.Add);
        var s = SflowSampler.ForBridge(0, 1);
        for (var i = 0; i < 6; i++)
        {
            Assert.True(r.Add(s.Sample(Packet(106), 1004, 1003)));
        }

        Assert.Empty(sent);
        Assert.Equal(1204, r.PendingSize);
        now += 250;
        Assert.True(r.Add(s.Sample(Packet(106), 1004, 1003))); // 1204 + 196 >= 1400: send the six first
        var first = Assert.Single(sent);
        Assert.Equal(28 + (6 * 196), first.Length);
        var d1 = SflowDecoder.Decode(first);
        Assert.Equal((1u, 250u, 6), (d1.SequenceNumber, d1.UptimeMs, d1.Samples.Count));
        Assert.Equal([1u, 2u, 3u, 4u, 5u, 6u], d1.Samples.Cast<SflowFlowSample>().Select(f => f.SequenceNumber));

        now += 1000;
        r.Tick(); // the lone seventh sample goes at the next tick
        Assert.Equal(2, sent.Count);
        Assert.Equal(224, sent[1].Length);
        var d2 = SflowDecoder.Decode(sent[1]);
        Assert.Equal((2u, 1250u, 7u), (d2.SequenceNumber, d2.UptimeMs, ((SflowFlowSample)d2.Samples[0]).SequenceNumber));

        r.Tick(); // nothing pending: nothing sent
        Assert.Equal(2, sent.Count);
    }

    [Fact]
    public void Receiver_rejects_a_sample_larger_than_half_the_maximum()
    {
        var sent = new List<byte[]>();
        var r = new SflowReceiver(IPAddress.Parse("2001:db8::10"), 1, () => 0, sent.Add);
        Assert.Equal(40, r.HeaderSize);
        var big = new SflowSampler(2, 1000, 1, headerBytes: 1500);
        Assert.True(r.Add(SflowSampler.ForBridge(1, 1).Sample(Packet(64), 1, 2)));
        var tooBig = big.Sample(Packet(700 - 40 - 24 - 24 + 1), 1, 2); // 8+32 + (8+16+641→644) + 24 = 732
        Assert.True(SflowEncoder.GetSampleSize(tooBig) > 700);
        Assert.False(r.Add(tooBig));
        Assert.Equal(1, r.Rejected);
        Assert.Equal(0, r.PendingSamples);
        r.Tick();
        Assert.Empty(sent);

        var fits = new SflowSampler(2, 1000, 1, headerBytes: 1500).Sample(Packet(700 - 88), 1, 2); // 8+32+8+16+612+24 = 700
        Assert.Equal(700, SflowEncoder.GetSampleSize(fits));
        Assert.True(r.Add(fits));
    }

    [Fact]
    public void Udp_sender_delivers_to_every_collector()
    {
        using var c1 = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var c2 = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new SflowUdpSender([(IPEndPoint)c1.Client.LocalEndPoint!, (IPEndPoint)c2.Client.LocalEndPoint!]);
        var a = SflowGolden.Bytes("datagram_A.bin");
        sender.Send(a);
        foreach (var c in new[] { c1, c2 })
        {
            c.Client.ReceiveTimeout = 5000;
            IPEndPoint? from = null;
            Assert.Equal(a, c.Receive(ref from));
        }

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6343), SflowUdpSender.ParseCollector("10.0.0.1"));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 9999), SflowUdpSender.ParseCollector("10.0.0.1:9999"));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 6343), SflowUdpSender.ParseCollector("[2001:db8::1]"));
    }
}
