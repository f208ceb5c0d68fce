using System.Net;
using System.Net.Sockets;
using VSwarm.Actors.Sflow;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>
/// A bridge configured with an sFlow collector samples through the datapath's sample action
/// (translation composes it), the ACTION upcalls reach the bridge's sFlow agent, and real UDP
/// datagrams arrive at the collector.
/// </summary>
public class SflowScenarios : DatapathScenarioBase
{
    [Fact]
    public async Task Sampled_packets_reach_a_udp_collector_as_flow_samples_of_the_bridge_sampler()
    {
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)collector.Client.LocalEndPoint!).Port;
        var options = Options();
        options.Sflow.Collectors = [$"127.0.0.1:{port}"];
        options.Sflow.Sampling = 1; // every packet: the bare userspace action, no sample() wrapper
        var (br, rt) = StartBridge(options);
        AddFlowsText(br, "priority=10,ip,actions=output:2");
        Send(br, Tcp(1, "10.0.0.1"), Tcp(1, "10.0.0.1"), Tcp(1, "10.0.0.2"));
        AwaitStats(br, s => Assert.Equal(3, s.Packets));

        var samples = new List<SflowFlowSample>();
        for (var i = 0; i < 20 && samples.Count < 3; i++)
        {
            AdvanceTime(TimeSpan.FromSeconds(1)); // the agent's receiver sends at its 1-s tick
            using var cts = new CancellationTokenSource(Dilated(TimeSpan.FromMilliseconds(300)));
            try
            {
                var got = await collector.ReceiveAsync(cts.Token);
                samples.AddRange(SflowDecoder.Decode(got.Buffer).Samples.OfType<SflowFlowSample>());
            }
            catch (OperationCanceledException)
            {
                // Nothing sent yet: advance again.
            }
        }

        Assert.True(samples.Count == 3, $"samples {samples.Count}; unrouted {rt.Unrouted}; flows: {string.Join(" | ", Lines(DumpDp(br)))}");
        Assert.All(samples, s =>
        {
            Assert.Equal(2u, s.SourceIdType);      // OVS's bridge sampler: class 2, index 1000 + sub-agent
            Assert.Equal(1000u, s.SourceIdIndex);
            Assert.Equal(1u, s.SamplingRate);
            Assert.Equal(11u, s.Input.Value);      // ifindex of port 1
            Assert.Equal(12u, s.Output.Value);     // ifindex of port 2
        });
        Assert.Equal([1u, 2u, 3u], samples.Select(s => s.SequenceNumber).Order());
    }
}
