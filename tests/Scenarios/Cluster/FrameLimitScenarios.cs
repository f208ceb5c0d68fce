using System.Collections.Immutable;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Datapath;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using Xunit;

namespace VSwarm.Tests.Scenarios.Cluster;

/// <summary>The frame size limit on a live link: on the sending side and on the receiving side.</summary>
public class FrameLimitScenarios : NodeLinkKit
{
    private static PacketsIn Packets(int count, int size) =>
        new(Enumerable.Range(0, count).Select(i => new Packet(new byte[size], (uint)i + 1)).ToImmutableArray());

    [Fact]
    public void A_message_over_the_senders_limit_is_not_sent_and_the_link_stays_up()
    {
        AddNode("a", Settings() with { MaxFrameSize = 8192 });
        AddNode("b");
        var seen = CreateTestProbe();
        SystemOf("b").ActorOf(Props.Create(() => new Echo("b", seen.Ref())), "echo");
        LinkAndWait("a", "b");
        var dead = Events<DeadLetter>("a");

        var target = Node("a").Resolve("b", "/user/echo");
        target.Tell(Packets(8, 1500), ActorRefs.Nobody);
        var letter = dead.ExpectMsg<DeadLetter>();
        Assert.IsType<PacketsIn>(letter.Message);
        Assert.Equal(target, letter.Recipient);
        Assert.Equal(1, Node("a").Stats("b").Undelivered);

        target.Tell(new ClusterPing(3), ActorRefs.Nobody);
        Assert.Equal(3, seen.ExpectMsg<Seen>().Id);
        Assert.True(Node("a").IsUp("b"));
    }

    [Fact]
    public void A_frame_over_the_receivers_limit_closes_the_link_with_a_reason_naming_the_limit()
    {
        AddNode("a");
        AddNode("b", Settings() with { MaxFrameSize = 8192 });
        SystemOf("b").ActorOf(Props.Create(() => new Echo("b", null)), "echo");
        LinkAndWait("a", "b");
        var downAtA = Events<LinkDown>("a");
        var downAtB = Events<LinkDown>("b");

        Node("a").Resolve("b", "/user/echo").Tell(Packets(8, 1500), ActorRefs.Nobody);
        Assert.Contains("exceeds the frame size limit of 8192 bytes", downAtB.ExpectMsg<LinkDown>().Reason, StringComparison.Ordinal);
        Assert.Contains("exceeds the frame size limit of 8192 bytes", downAtA.ExpectMsg<LinkDown>().Reason, StringComparison.Ordinal);
    }
}
