using System.Collections.Immutable;
using System.Diagnostics;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Traffic;
using VSwarm.Runtime;

namespace VSwarm.Host.Simulation;

/// <summary>
/// Sends each traffic source's packets to its bridge at the source's rate, on the real clock, in
/// <see cref="PacketsIn"/> batches of at most <see cref="MaxBatch"/> packets drawn from the
/// source's <see cref="FlowSet"/> by its Zipf (or uniform) sampler. Runs on a dedicated thread.
/// When it falls behind by more than <see cref="MaxBacklog"/> it skips the backlog (counted in
/// <see cref="SourceState.Skipped"/>) instead of bursting.
/// </summary>
internal sealed class TrafficPump
{
    /// <summary>Packets per <see cref="PacketsIn"/> message at most (a datapath batch, NETDEV_MAX_BURST).</summary>
    public const int MaxBatch = 32;

    /// <summary>How far behind the pump may fall before it skips packets instead of catching up.</summary>
    public static readonly TimeSpan MaxBacklog = TimeSpan.FromMilliseconds(200);

    private readonly SourceState[] _sources;
    private readonly long? _packetLimit;
    private long _sent;

    /// <summary>Builds each source's flow set and sampler.</summary>
    public TrafficPump(IEnumerable<(TrafficSource Source, IActorRef Bridge)> sources, long? packetLimit)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = [.. sources.Select(s => new SourceState(s.Source, s.Bridge))];
        _packetLimit = packetLimit;
    }

    /// <summary>The sources and their counters.</summary>
    public IReadOnlyList<SourceState> Sources => _sources;

    /// <summary>Packets sent so far, all sources.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>True once the packet limit was reached.</summary>
    public bool LimitReached => _packetLimit is { } l && Sent >= l;

    /// <summary>Pumps until <paramref name="duration"/> passed, the packet limit is reached, or <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task RunAsync(TimeSpan? duration, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Loop(duration, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Loop(TimeSpan? duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            var now = clock.Elapsed;
            if (duration is { } d && now >= d)
            {
                return;
            }

            var sentAny = false;
            foreach (var s in _sources)
            {
                var due = (long)(s.Source.Rate * now.TotalSeconds) - s.Sent - s.Skipped;
                var backlog = (long)Math.Max(MaxBatch, s.Source.Rate * MaxBacklog.TotalSeconds);
                if (due > backlog)
                {
                    s.AddSkipped(due - backlog);
                    due = backlog;
                }

                while (due > 0)
                {
                    var n = (int)Math.Min(MaxBatch, due);
                    if (_packetLimit is { } limit)
                    {
                        n = (int)Math.Min(n, limit - Sent);
                        if (n <= 0)
                        {
                            return;
                        }
                    }

                    s.Bridge.Tell(new PacketsIn(s.NextBatch(n)), ActorRefs.NoSender);
                    s.AddSent(n);
                    Interlocked.Add(ref _sent, n);
                    due -= n;
                    sentAny = true;
                }
            }

            if (LimitReached)
            {
                return;
            }

            if (!sentAny)
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>One source while it runs.</summary>
    internal sealed class SourceState
    {
        private readonly FlowSet _flows;
        private readonly ZipfSampler _sampler;
        private readonly Random _rng;
        private long _sent;
        private long _skipped;

        public SourceState(TrafficSource source, IActorRef bridge)
        {
            Source = source;
            Bridge = bridge;
            _flows = new FlowSet(source.Spec, source.FlowCount, source.Seed);
            _sampler = source.CreateSampler();
            _rng = new Random(unchecked(source.Seed * 31 + 7));
        }

        /// <summary>The source.</summary>
        public TrafficSource Source { get; }

        /// <summary>Its bridge.</summary>
        public IActorRef Bridge { get; }

        /// <summary>Packets sent.</summary>
        public long Sent => Interlocked.Read(ref _sent);

        /// <summary>Packets skipped because the pump fell behind (the machine could not keep the rate).</summary>
        public long Skipped => Interlocked.Read(ref _skipped);

        public void AddSent(long n) => Interlocked.Add(ref _sent, n);

        public void AddSkipped(long n) => Interlocked.Add(ref _skipped, n);

        public ImmutableArray<Packet> NextBatch(int n)
        {
            var batch = ImmutableArray.CreateBuilder<Packet>(n);
            for (var i = 0; i < n; i++)
            {
                var f = _sampler.Next(_rng);
                batch.Add(new Packet(_flows.Frame(f), _flows.Key(f).InPort));
            }

            return batch.MoveToImmutable();
        }
    }
}
