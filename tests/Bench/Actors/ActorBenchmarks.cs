using BenchmarkDotNet.Attributes;
using VSwarm.Runtime;

namespace VSwarm.Bench.Actors;

/// <summary>
/// Actor runtime throughput. Each benchmark reports time per message (OperationsPerInvoke = messages),
/// so messages/s = 1e9 / (ns per op). See docs/benchmarks.md "## Actor runtime".
/// </summary>
[MemoryDiagnoser]
public class ActorPingPongBenchmarks
{
    private const int Exchanges = 200_000;
    private ActorSystem _system = null!;

    /// <summary>Messages in flight between the pair (1 = strict request/response latency).</summary>
    [Params(1, 100, 1000)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public void Setup() => _system = ActorSystem.Create("bench");

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Two actors bounce messages; counts pings and pongs (2 per exchange).</summary>
    [Benchmark(OperationsPerInvoke = 2 * Exchanges)]
    public void PingPong()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ponger = _system.ActorOf(Props.Create<Ponger>());
        var pinger = _system.ActorOf(Props.Create(() => new Pinger(ponger, Exchanges, InFlight, done)));
        pinger.Tell(Start.Instance, ActorRefs.NoSender);
        done.Task.Wait();
        _system.Stop(pinger);
        _system.Stop(ponger);
    }

    internal sealed class Start
    {
        public static readonly Start Instance = new();
    }

    internal sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed class Ponger : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed class Pinger : UntypedActor
    {
        private readonly IActorRef _ponger;
        private readonly int _total;
        private readonly int _inFlight;
        private readonly TaskCompletionSource _done;
        private int _sent;
        private int _received;

        public Pinger(IActorRef ponger, int total, int inFlight, TaskCompletionSource done)
        {
            _ponger = ponger;
            _total = total;
            _inFlight = inFlight;
            _done = done;
        }

        protected override void OnReceive(object message)
        {
            if (message is Start)
            {
                for (var i = 0; i < _inFlight && _sent < _total; i++)
                {
                    _sent++;
                    _ponger.Tell(Ball.Instance, Self);
                }

                return;
            }

            if (++_received == _total)
            {
                _done.TrySetResult();
            }
            else if (_sent < _total)
            {
                _sent++;
                _ponger.Tell(Ball.Instance, Self);
            }
        }
    }
}

/// <summary>One producer telling N actors; aggregate delivered messages per second.</summary>
[MemoryDiagnoser]
public class ActorFanOutBenchmarks
{
    private const int Total = 1_600_000;
    private ActorSystem _system = null!;
    private IActorRef[] _targets = [];
    private readonly Latch _latch = new();

    /// <summary>Number of receiving actors (each gets Total / Targets messages).</summary>
    [Params(4, 16)]
    public int Targets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        var latch = _latch;
        var quota = Total / Targets;
        _targets = Enumerable.Range(0, Targets)
            .Select(_ => _system.ActorOf(Props.Create(() => new Counter(quota, latch))))
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [IterationSetup]
    public void Reset() => _latch.Reset(Targets);

    [Benchmark(OperationsPerInvoke = Total)]
    public void FanOut()
    {
        var msg = PingMessage.Instance;
        var targets = _targets;
        var rounds = Total / targets.Length;
        for (var i = 0; i < rounds; i++)
        {
            for (var t = 0; t < targets.Length; t++)
            {
                targets[t].Tell(msg, ActorRefs.NoSender);
            }
        }

        _latch.Task.Wait();
    }

    /// <summary>A resettable countdown without a kernel handle.</summary>
    internal sealed class Latch
    {
        private int _remaining;
        private TaskCompletionSource _tcs = new();

        public Task Task => Volatile.Read(ref _tcs).Task;

        public void Reset(int count)
        {
            Volatile.Write(ref _tcs, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Volatile.Write(ref _remaining, count);
        }

        public void Signal()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                Volatile.Read(ref _tcs).TrySetResult();
            }
        }
    }

    internal sealed class PingMessage
    {
        public static readonly PingMessage Instance = new();
    }

    private sealed class Counter : UntypedActor
    {
        private readonly int _quota;
        private readonly Latch _latch;
        private int _count;

        public Counter(int quota, Latch latch)
        {
            _quota = quota;
            _latch = latch;
        }

        protected override void OnReceive(object message)
        {
            if (++_count == _quota)
            {
                _count = 0;
                _latch.Signal();
            }
        }
    }
}

/// <summary>Sequential Ask round trips (temporary ref + task per ask).</summary>
[MemoryDiagnoser]
public class ActorAskBenchmarks
{
    private const int Asks = 20_000;
    private ActorSystem _system = null!;
    private IActorRef _echo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        _echo = _system.ActorOf(Props.Create<Echo>());
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark(OperationsPerInvoke = Asks)]
    public async Task AskRoundTrip()
    {
        for (var i = 0; i < Asks; i++)
        {
            await _echo.Ask<object>(Msg.Instance);
        }
    }

    /// <summary>64 concurrent askers.</summary>
    [Benchmark(OperationsPerInvoke = Asks)]
    public Task AskRoundTripConcurrent64() =>
        Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            for (var i = 0; i < Asks / 64; i++)
            {
                await _echo.Ask<object>(Msg.Instance);
            }
        }));

    internal sealed class Msg
    {
        public static readonly Msg Instance = new();
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }
}
