using System.Text;
using BenchmarkDotNet.Attributes;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Cluster.Transport.Kestrel;
using VSwarm.Runtime;

namespace VSwarm.Bench.Cluster;

/// <summary>
/// Messages per second over one node link on loopback: node "bench-a" tells <see cref="Messages"/>
/// <see cref="ClusterPing"/>s to an actor on node "bench-b" (Kestrel listener, socket dialer, the
/// link's send queue batching many frames per flush); one operation is one message delivered to
/// the remote actor's mailbox and counted there.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: GlobalCleanup disposes the links.")]
public class NodeLinkBenchmarks
{
    private const int Messages = 100_000;
    private readonly ClusterPing _ping = new(1);
    private readonly Countdown _countdown = new();
    private ActorSystem _a = null!;
    private ActorSystem _b = null!;
    private NodeLinks _la = null!;
    private NodeLinks _lb = null!;
    private IActorRef _target = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _la.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _lb.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _a.Terminate().Wait(TimeSpan.FromSeconds(10));
        _b.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Tells 100 000 pings across the link and waits until the remote actor counted them all.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void TellOverLoopbackLink()
    {
        var done = _countdown.Arm(Messages);
        for (var i = 0; i < Messages; i++)
        {
            _target.Tell(_ping, ActorRefs.Nobody);
        }

        if (!done.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException($"only {Messages - _countdown.Left} of {Messages} messages arrived");
        }
    }

    private async Task SetupAsync()
    {
        var settings = new RemotingSettings { ClusterName = "bench", SharedSecret = Encoding.UTF8.GetBytes("benchmark secret of 32 bytes...!") };
        _a = ActorSystem.Create("bench-a");
        _b = ActorSystem.Create("bench-b");
        _la = new NodeLinks(_a, settings, new KestrelLinkTransport());
        _lb = new NodeLinks(_b, settings, new KestrelLinkTransport());
        var addrA = await _la.StartAsync("127.0.0.1:0");
        var addrB = await _lb.StartAsync("127.0.0.1:0");
        _b.ActorOf(Props.Create(() => new Counter(_countdown)), "counter");
        _la.SetPeer("bench-b", addrB, dial: false);
        _lb.SetPeer("bench-a", addrA, dial: false);
        _la.Connect("bench-b");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(_la.IsUp("bench-b") && _lb.IsUp("bench-a")))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the link did not come up");
            }

            await Task.Delay(10);
        }

        _target = _la.Resolve("bench-b", "/user/counter");
    }

    /// <summary>Counts arrivals and completes when the expected number has arrived.</summary>
    private sealed class Countdown
    {
        private long _left;
        private TaskCompletionSource _done = new();

        public long Left => Interlocked.Read(ref _left);

        public Task Arm(long n)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _left, n);
            return _done.Task;
        }

        public void Hit()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter(Countdown countdown) => Receive<ClusterPing>(_ => countdown.Hit());
    }
}
