using System.Collections.Immutable;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Config;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Dpif;
using VSwarm.Runtime;

namespace VSwarm.Actors.Sflow;

/// <summary>Settings of a bridge's sFlow agent that are not in <see cref="SflowOptions"/>.</summary>
public sealed record SflowAgentSettings
{
    /// <summary>Sub-agent id (OVS: the bridge's sFlow number). Default 0.</summary>
    public uint SubAgentId { get; init; }

    /// <summary>Agent address when <see cref="SflowOptions.Agent"/> is empty. Default 127.0.0.1.</summary>
    public IPAddress DefaultAgent { get; init; } = IPAddress.Loopback;

    /// <summary>Receiver flush interval (OVS: the 1-s agent tick).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Also told every datagram sent (<see cref="SflowDatagramSent"/>), e.g. a test probe or a capture.</summary>
    public IActorRef? Tap { get; init; }

    /// <summary>Class of per-flow data sources (see <see cref="SflowFlowSamplerIndex"/>).</summary>
    public uint PerFlowSourceClass { get; init; } = SflowFlowSamplerIndex.DefaultSourceClass;

    /// <summary>Seed of the random first countdowns of the counter pollers (sflow-brief §4.3); null derives one from the bridge name.</summary>
    public int? PollingSeed { get; init; }
}

/// <summary>A datagram the agent sent (to <see cref="SflowAgentSettings.Tap"/>).</summary>
/// <param name="Bytes">The encoded datagram.</param>
public sealed record SflowDatagramSent(byte[] Bytes);

/// <summary>Asks a sampler actor for its counters; it answers <see cref="SflowSamplerStats"/>.</summary>
public sealed record GetSflowSamplerStats
{
    /// <summary>The instance.</summary>
    public static GetSflowSamplerStats Instance { get; } = new();
}

/// <summary>A sampler's data source and counters.</summary>
/// <param name="SourceClass">Class.</param>
/// <param name="SourceIndex">Index.</param>
/// <param name="SamplingRate">Rate.</param>
/// <param name="SequenceNumber">Last flow-sample sequence number.</param>
/// <param name="SamplePool">Sample pool.</param>
/// <param name="Drops">Drops.</param>
public sealed record SflowSamplerStats(uint SourceClass, uint SourceIndex, uint SamplingRate, uint SequenceNumber, uint SamplePool, uint Drops);

/// <summary>Asks an agent for its samplers' counters and what it sent; it answers <see cref="SflowAgentStats"/>.</summary>
public sealed record GetSflowAgentStats
{
    /// <summary>The instance (no flush).</summary>
    public static GetSflowAgentStats Instance { get; } = new();

    /// <summary>
    /// The last question of a run (e.g. the end of a simulation): the agent stops its 1-s tick (no
    /// more polls or timed sends) and sends what its receiver holds before answering, so that the
    /// answer counts every datagram and sample the collectors get. The samples the samplers built
    /// before they answered are packed and sent first.
    /// </summary>
    public bool Final { get; init; }
}

/// <summary>An agent's counters: each sampler by its child name, datagrams and samples sent.</summary>
/// <param name="Samplers">Sampler name (<c>sampler-bridge</c>, <c>flow-&lt;cookie&gt;</c>) and its counters.</param>
/// <param name="Datagrams">Datagrams sent to the collectors.</param>
/// <param name="Samples">Flow samples packed into datagrams.</param>
/// <param name="Rejected">Samples the receiver rejected (too large).</param>
/// <param name="CounterSamples">Counter samples packed into datagrams.</param>
/// <param name="Collisions">Per-flow cookies refused because their source index collides (<see cref="SflowFlowSamplerIndex"/>).</param>
/// <param name="Refused">Sample upcalls of refused cookies, dropped.</param>
public sealed record SflowAgentStats(
    System.Collections.Immutable.ImmutableArray<(string Name, SflowSamplerStats Stats)> Samplers, long Datagrams, long Samples, long Rejected, long CounterSamples = 0,
    long Collisions = 0, long Refused = 0);

/// <summary>
/// Told by a datapath shard to its bridge's agent: sFlow ACTION upcalls that its bounded upcall
/// queue dropped since the last report (the kernel's n_lost, attributed to the sampler each
/// upcall's cookie names), so that sampler's <c>drops</c> counts them.
/// </summary>
/// <param name="Lost">Lost upcalls by (rule cookie, cookie flags, cookie rate).</param>
public sealed record SflowUpcallsLost(System.Collections.Immutable.ImmutableArray<(ulong RuleCookie, SflowCookieFlags Flags, uint Rate, long Count)> Lost);

/// <summary>Tells a sampler actor that <paramref name="Count"/> of its samples were lost on the way.</summary>
/// <param name="Count">How many.</param>
public sealed record SflowSamplesLost(long Count);

/// <summary>A sampled packet handed by the agent to one of its samplers.</summary>
/// <param name="Packet">The packet.</param>
/// <param name="InputIfIndex">Input ifIndex (0 unknown).</param>
/// <param name="OutputWord">The cookie's output word.</param>
/// <param name="InputTci">TCI of the received packet.</param>
/// <param name="OutputTci">TCI as output (cookie).</param>
public sealed record SflowSampleRequest(byte[] Packet, uint InputIfIndex, uint OutputWord, ushort InputTci, ushort OutputTci);

/// <summary>A flow sample built by a sampler, for the agent's receiver.</summary>
/// <param name="Sample">The sample.</param>
public sealed record SflowSampleTaken(SflowFlowSample Sample);

/// <summary>
/// The bridge's <c>sflow</c> actor (architecture: <c>sflow/sampler-bridge</c> and
/// <c>sflow/flow-&lt;cookie&gt;</c>): receives the sFlow ACTION upcalls of the datapath shards,
/// routes each to the bridge sampler or, when the upcall's cookie carries
/// <see cref="SflowCookieFlags.PerFlow"/> (translation's second action for rules selected by
/// <see cref="SflowOptions.Flows"/>), to that rule cookie's own sampler (rate: the matching
/// selector's, else the bridge's); samplers answer with flow samples that the agent's
/// <see cref="SflowReceiver"/> packs into datagrams, flushed at every tick and sent over UDP to
/// every collector. Plug it with <see cref="Factory"/> into <see cref="BridgeFactorySettings.Sflow"/>.
/// Every port with an ifindex has a counter poller (<see cref="SflowPoller"/>, source
/// <c>0:ifIndex</c>) ticked once a second before the receiver flushes, so counter samples share
/// the datagrams of the flow samples.
/// <para>Per-flow samplers (data source <c>0:fold24(cookie)</c>, <see cref="SflowFlowSamplerIndex"/>)
/// take their rate from the matching selector, or from the cookie for OpenFlow <c>sample(…)</c>
/// actions (<see cref="SflowCookieFlags.OfSample"/>); their sample_pool is the packets of the
/// rules with that cookie as revalidators pushed datapath stats into them, and their drops count
/// the sample upcalls the shards' bounded queues lost (<see cref="SflowUpcallsLost"/>). A cookie
/// whose index collides with a port's ifIndex or another cookie's is refused: logged, counted
/// (<see cref="SflowAgentStats.Collisions"/>) and its samples dropped.</para>
/// Not yet: bridge-level counters, receiver timeout/ownership.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor's resources are released in PostStop, not by Dispose.")]
public sealed class SflowAgentActor : ReceiveActor, IWithTimers
{
    private readonly BridgeContext _ctx;
    private readonly SflowOptions _options;
    private readonly SflowAgentSettings _settings;
    private readonly SflowFlowSamplerIndex _flowIndex;
    private readonly Dictionary<ulong, IActorRef> _flowSamplers = [];
    private readonly List<(int Ofport, SflowPoller Poller)> _pollers = [];
    private SflowReceiver _receiver = null!;
    private SflowUdpSender? _sender;
    private IActorRef _bridgeSampler = ActorRefs.Nobody;

    /// <summary>Creates the agent (use <see cref="Props"/>).</summary>
    /// <param name="ctx">The bridge.</param>
    /// <param name="settings">Agent settings.</param>
    public SflowAgentActor(BridgeContext ctx, SflowAgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(settings);
        _ctx = ctx;
        _options = ctx.Options.Sflow;
        _settings = settings;
        _flowIndex = new SflowFlowSamplerIndex(
            settings.PerFlowSourceClass,
            settings.PerFlowSourceClass == 0 ? ctx.State.Ports.Snapshot().Where(p => p.Ifindex > 0).Select(p => (uint)p.Ifindex) : null);

        Receive<DpifUpcall>(OnUpcall);
        Receive<SflowSampleTaken>(m =>
        {
            if (!_receiver.Add(m.Sample))
            {
                Rejected++;
            }
            else
            {
                Samples++;
            }
        });
        Receive<SflowTick>(_ => OnTick());
        Receive<SflowUpcallsLost>(OnLost);
        ReceiveAsync<GetSflowAgentStats>(async m =>
        {
            var replyTo = Sender;
            var children = Context.GetChildren().ToArray();
            var stats = await Task.WhenAll(children.Select(c => c.Ask<SflowSamplerStats>(GetSflowSamplerStats.Instance, TimeSpan.FromSeconds(5))));
            var samplers = children.Select((c, i) => (c.Path.Name, stats[i])).ToImmutableArray();
            if (m.Final)
            {
                Timers.CancelAll();
                // After the samples the samplers told before answering, which are queued behind this message.
                Self.Tell(new FlushThenReply(replyTo, samplers));
            }
            else
            {
                replyTo.Tell(Stats(samplers));
            }
        });
        Receive<FlushThenReply>(m =>
        {
            _receiver.Tick();
            m.ReplyTo.Tell(Stats(m.Samplers));
        });
    }

    /// <summary>Datagrams sent to the collectors.</summary>
    public long Datagrams { get; private set; }

    /// <summary>Flow samples handed to the receiver.</summary>
    public long Samples { get; private set; }

    /// <summary>Counter samples handed to the receiver.</summary>
    public long CounterSamples { get; private set; }

    /// <summary>The counter pollers, by ofport.</summary>
    public IReadOnlyList<(int Ofport, SflowPoller Poller)> Pollers => _pollers;

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Upcalls that were not sFlow upcalls (ignored).</summary>
    public long Ignored { get; private set; }

    /// <summary>Samples the receiver rejected (too large).</summary>
    public long Rejected { get; private set; }

    /// <summary>Per-flow cookies refused for an index collision.</summary>
    public long Collisions { get; private set; }

    /// <summary>Sample upcalls of refused cookies (dropped).</summary>
    public long Refused { get; private set; }

    /// <summary>The child name of a per-flow sampler.</summary>
    /// <param name="cookie">The rule cookie.</param>
    /// <returns><c>flow-&lt;hex cookie&gt;</c>.</returns>
    public static string FlowSamplerName(ulong cookie) => "flow-" + cookie.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The Props of an agent.</summary>
    /// <param name="ctx">The bridge.</param>
    /// <param name="settings">Settings (defaults when null).</param>
    /// <returns>Props.</returns>
    public static Props Props(BridgeContext ctx, SflowAgentSettings? settings = null) =>
        Runtime.Props.Create(() => new SflowAgentActor(ctx, settings ?? new SflowAgentSettings()));

    /// <summary>A factory for <see cref="BridgeFactorySettings.Sflow"/>.</summary>
    /// <param name="settings">Settings (defaults when null).</param>
    /// <returns>The factory.</returns>
    public static Func<BridgeContext, Props> Factory(SflowAgentSettings? settings = null) => ctx => Props(ctx, settings);

    /// <inheritdoc/>
    protected override void PreStart()
    {
        var agent = string.IsNullOrEmpty(_options.Agent) || !IPAddress.TryParse(_options.Agent, out var a) ? _settings.DefaultAgent : a;
        _sender = new SflowUdpSender(_options.Collectors.Select(SflowUdpSender.ParseCollector));
        var scheduler = Context.System.Scheduler;
        var tap = _settings.Tap;
        var sender = _sender;
        _receiver = new SflowReceiver(agent, _settings.SubAgentId, () => BridgeState.NowMs(scheduler), bytes =>
        {
            Datagrams++;
            sender.Send(bytes);
            tap?.Tell(new SflowDatagramSent(bytes));
        });
        var bridge = SflowSampler.ForBridge(_settings.SubAgentId, (uint)Math.Max(0, _options.Sampling), _options.Header);
        _bridgeSampler = Context.ActorOf(SflowSamplerActor.Props(bridge), "sampler-bridge");
        foreach (var exact in _options.Flows.Where(f => f.MaskValue == ulong.MaxValue))
        {
            // Exact selectors are known now: report their collisions at start, not at first sample.
            if (TryRegister(exact.CookieValue) is null)
            {
                _flowSamplers[exact.CookieValue] = ActorRefs.Nobody;
            }
        }
        var random = new Random(_settings.PollingSeed ?? StableSeed(_ctx.Options.Name));
        foreach (var port in _ctx.State.Ports.Snapshot().Where(p => p.Ifindex > 0 && p.Ifindex < 1 << 24))
        {
            _pollers.Add((port.Ofport, new SflowPoller((uint)port.Ifindex, _options.Polling, random)));
        }

        Timers.StartPeriodicTimer(SflowTick.Instance, SflowTick.Instance, _settings.TickInterval);
    }

    /// <inheritdoc/>
    protected override void PostStop()
    {
        _receiver?.Tick();
        _sender?.Dispose();
    }

    private SflowAgentStats Stats(ImmutableArray<(string Name, SflowSamplerStats Stats)> samplers) =>
        new(samplers, Datagrams, Samples, Rejected, CounterSamples, Collisions, Refused);

    private static int StableSeed(string text)
    {
        var h = 17;
        foreach (var ch in text)
        {
            h = unchecked((h * 31) + ch);
        }

        return h;
    }

    private void OnTick()
    {
        foreach (var (ofport, poller) in _pollers)
        {
            if (poller.Tick() && _ctx.State.Ports.Find(ofport) is { } port)
            {
                if (_receiver.Add(poller.Poll(port.Counters)))
                {
                    CounterSamples++;
                }
                else
                {
                    Rejected++;
                }
            }
        }

        _receiver.Tick();
    }

    private void OnUpcall(DpifUpcall u)
    {
        if (u.Cookie is not SflowCookie c)
        {
            Ignored++;
            return;
        }

        var packet = u.Packet.Span.ToArray();
        var inIfIndex = (uint)Math.Max(0, _ctx.State.Ports.Find((int)c.OfpInPort)?.Ifindex ?? 0);
        ushort inTci = packet.Length >= 16 && BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(12)) == 0x8100
            ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(14))
            : (ushort)0;
        var request = new SflowSampleRequest(packet, inIfIndex, c.Output, inTci, c.VlanTci);
        var sampler = SamplerFor(c.RuleCookie, c.Flags, c.SamplingRate);
        if (sampler.Equals(ActorRefs.Nobody))
        {
            Refused++;
            return;
        }

        sampler.Tell(request, Self);
    }

    private void OnLost(SflowUpcallsLost m)
    {
        foreach (var (cookie, flags, rate, count) in m.Lost)
        {
            var sampler = SamplerFor(cookie, flags, rate);
            if (!sampler.Equals(ActorRefs.Nobody))
            {
                sampler.Tell(new SflowSamplesLost(count), Self);
            }
        }
    }

    private uint? TryRegister(ulong cookie)
    {
        try
        {
            return _flowIndex.Register(cookie);
        }
        catch (SflowIndexCollisionException e)
        {
            Collisions++;
            Context.GetLogger().Warning(e.Message + "; its per-flow samples are dropped");
            return null;
        }
    }

    /// <summary>
    /// Σ n_packets of the rules with <paramref name="cookie"/> (what revalidators pushed from the
    /// datapath flows), the rule set re-read only when the tables' version changes.
    /// </summary>
    private Func<long> RulePackets(ulong cookie)
    {
        var tables = _ctx.State.Tables;
        var version = ulong.MaxValue;
        Tables.FlowEntry[] rules = [];
        return () =>
        {
            var v = tables.Version;
            if (v != version)
            {
                rules = [.. tables.Entries().Where(e => e.Rule.Cookie == cookie)];
                version = v;
            }

            long sum = 0;
            foreach (var r in rules)
            {
                sum += r.Packets;
            }

            return sum;
        };
    }

    private IActorRef SamplerFor(ulong ruleCookie, SflowCookieFlags flags, uint cookieRate)
    {
        // Translation puts both the bridge's action (no flag) and, for selected rules or OpenFlow
        // sample actions, a per-flow action (PerFlow flag) on a flow: each upcall goes to the
        // sampler its action stands for.
        if ((flags & SflowCookieFlags.PerFlow) == 0)
        {
            return _bridgeSampler;
        }

        if (_flowSamplers.TryGetValue(ruleCookie, out var known))
        {
            return known;
        }

        if (TryRegister(ruleCookie) is not { } index)
        {
            _flowSamplers[ruleCookie] = ActorRefs.Nobody;
            return ActorRefs.Nobody;
        }

        var selector = _options.Flows.FirstOrDefault(s => (ruleCookie & s.MaskValue) == s.CookieValue);
        var rate = (flags & SflowCookieFlags.OfSample) != 0 && cookieRate != 0
            ? cookieRate
            : (uint)Math.Max(0, selector?.Sampling ?? _options.Sampling);
        var sampler = new SflowSampler(_flowIndex.SourceClass, index, rate, _options.Header);
        var child = Context.ActorOf(SflowSamplerActor.Props(sampler, RulePackets(ruleCookie)), FlowSamplerName(ruleCookie));
        _flowSamplers[ruleCookie] = child;
        return child;
    }

    private sealed record FlushThenReply(IActorRef ReplyTo, ImmutableArray<(string Name, SflowSamplerStats Stats)> Samplers);

    private sealed record SflowTick
    {
        public static SflowTick Instance { get; } = new();
    }
}

/// <summary>
/// One sampler (<c>sampler-bridge</c> or <c>flow-&lt;cookie&gt;</c>): owns an
/// <see cref="SflowSampler"/>, turns each <see cref="SflowSampleRequest"/> into a flow sample
/// told back to the sender as <see cref="SflowSampleTaken"/>, counts <see cref="SflowSamplesLost"/>
/// in its drops, and answers <see cref="GetSflowSamplerStats"/>. A restart starts a fresh sampler
/// (sequence and pool reset together, as the spec requires). A per-flow sampler reads its flow's
/// packet count at each sample (sample_pool = every packet the flow saw).
/// </summary>
public sealed class SflowSamplerActor : ReceiveActor
{
    /// <summary>Creates the actor.</summary>
    /// <param name="template">The sampler's configuration (a fresh copy is used).</param>
    /// <param name="seenPackets">Packets the sampled flow saw so far, or null for OVS's pool estimate.</param>
    public SflowSamplerActor(SflowSampler template, Func<long>? seenPackets = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var sampler = new SflowSampler(template.SourceClass, template.SourceIndex, template.SamplingRate, template.HeaderBytes);
        Receive<SflowSampleRequest>(r =>
        {
            if (sampler.Enabled)
            {
                Sender.Tell(new SflowSampleTaken(sampler.Sample(r.Packet, r.InputIfIndex, r.OutputWord, r.InputTci, r.OutputTci, seenPackets?.Invoke())), Self);
            }
        });
        Receive<SflowSamplesLost>(m => sampler.CountDrop((uint)Math.Clamp(m.Count, 0, uint.MaxValue)));
        Receive<GetSflowSamplerStats>(_ => Sender.Tell(new SflowSamplerStats(
            sampler.SourceClass, sampler.SourceIndex, sampler.SamplingRate, sampler.SequenceNumber, sampler.SamplePool, sampler.Drops)));
    }

    /// <summary>The Props of a sampler actor.</summary>
    /// <param name="sampler">Configuration.</param>
    /// <param name="seenPackets">Packets the sampled flow saw so far (per-flow samplers), or null.</param>
    /// <returns>Props.</returns>
    public static Props Props(SflowSampler sampler, Func<long>? seenPackets = null) => Runtime.Props.Create(() => new SflowSamplerActor(sampler, seenPackets));
}
