using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Tables;
using VSwarm.Actors.Traffic;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Node;

/// <summary>One bridge running on this node.</summary>
/// <param name="Bridge">Bridge name.</param>
/// <param name="Token">The fencing token it runs under.</param>
/// <param name="Ref">The bridge actor.</param>
/// <param name="RulesRevision">The flows key revision last applied.</param>
/// <param name="RulesText">The rules text last applied.</param>
public sealed record LocalBridge(string Bridge, long Token, IActorRef Ref, long RulesRevision, string RulesText);

/// <summary>
/// Runs placed bridges as actors under <c>/user/bridges</c> (<see cref="BridgeHostActor"/>):
/// activation reads the bridge's config and committed rules from etcd, starts the bridge, loads
/// the rules (atomically, one version) and starts local traffic so its counters move;
/// committed rule changes are applied as the flow-mods that turn the applied text into the new
/// one. Deactivation first removes the bridge from the table (no more traffic or rule changes),
/// then stops the actor.
/// </summary>
public sealed class ActorBridgeHost : IBridgeHost
{
    private readonly ActorSystem _system;
    private readonly IActorRef _root;
    private readonly DurableBridgeStore _durable;
    private readonly TrafficOptions _traffic;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, LocalBridge> _bridges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ICancelable> _pumps = new(StringComparer.Ordinal);
    private readonly TimeSpan _askTimeout;

    /// <summary>Creates the host actor in <paramref name="system"/>.</summary>
    public ActorBridgeHost(ActorSystem system, DurableBridgeStore durable, TrafficOptions traffic, IRemoteLinks? links, ILogger log, BridgeFactorySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(log);
        _system = system;
        _durable = durable;
        _traffic = traffic;
        _log = log;
        _askTimeout = TimeSpan.FromSeconds(5);
        _root = system.ActorOf(Props.Create(() => new BridgeHostActor(links, settings)), BridgeHostActor.Name);
    }

    /// <summary>The bridges running here.</summary>
    public IReadOnlyDictionary<string, LocalBridge> Bridges => _bridges;

    /// <summary>The host actor (<c>/user/bridges</c>).</summary>
    public IActorRef Root => _root;

    /// <inheritdoc/>
    public async Task ActivateAsync(string bridge, long token, CancellationToken ct = default)
    {
        var options = await _durable.GetConfigAsync(bridge, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"bridge '{bridge}' has no config in etcd");
        var (text, rev) = await _durable.GetFlowsAsync(bridge, ct).ConfigureAwait(false);
        var actor = await _root.Ask<IActorRef>(new StartBridge(options, token), _askTimeout, ct).ConfigureAwait(false);
        var rules = RuleText.Parse(text);
        if (rules.Count > 0)
        {
            var result = await actor.Ask<FlowModResult>(AddFlows.FromRules(rules), _askTimeout, ct).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                _log.RulesFailed(bridge, rev, error.ToString());
            }
        }

        _bridges[bridge] = new LocalBridge(bridge, token, actor, rev, text);
        _log.RulesApplied(bridge, rev, rules.Count);
        StartTraffic(bridge, options, actor, token);
    }

    /// <inheritdoc/>
    public void Deactivate(string bridge, long token, string reason)
    {
        if (_bridges.TryGetValue(bridge, out var b) && b.Token == token)
        {
            _bridges.TryRemove(bridge, out _);
        }

        if (_pumps.TryRemove(bridge, out var pump))
        {
            pump.Cancel();
        }

        _root.Tell(new StopBridge(bridge, token), ActorRefs.NoSender);
    }

    /// <summary>Applies a committed rules text to a running bridge (ignored when not running here or not newer).</summary>
    public async Task ApplyRulesAsync(string bridge, string text, long revision, CancellationToken ct = default)
    {
        if (!_bridges.TryGetValue(bridge, out var b) || revision <= b.RulesRevision)
        {
            return;
        }

        var mods = RuleText.Diff(b.RulesText, text);
        if (mods.Count > 0)
        {
            var result = await b.Ref.Ask<FlowModResult>(new ApplyFlowMods([.. mods]), _askTimeout, ct).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                _log.RulesFailed(bridge, revision, error.ToString());
                return;
            }
        }

        _bridges.TryUpdate(bridge, b with { RulesRevision = revision, RulesText = text }, b);
        _log.RulesApplied(bridge, revision, RuleText.Parse(text).Count);
    }

    /// <summary>ovs-ofctl dump-flows of a bridge running here, or null.</summary>
    public async Task<FlowDump?> DumpFlowsAsync(string bridge, CancellationToken ct = default) =>
        _bridges.TryGetValue(bridge, out var b) ? await b.Ref.Ask<FlowDump>(new DumpFlows(), _askTimeout, ct).ConfigureAwait(false) : null;

    /// <summary>Counters of a bridge running here, or null.</summary>
    public async Task<BridgeStats?> StatsAsync(string bridge, CancellationToken ct = default) =>
        _bridges.TryGetValue(bridge, out var b) ? await b.Ref.Ask<BridgeStats>(GetBridgeStats.Instance, _askTimeout, ct).ConfigureAwait(false) : null;

    /// <summary>Packets received on a running bridge's patch ports (from its peers), or null when it does not run here.</summary>
    public async Task<long?> PatchRxAsync(string bridge, CancellationToken ct = default)
    {
        if (!_bridges.TryGetValue(bridge, out var b))
        {
            return null;
        }

        var ports = await b.Ref.Ask<Ports>(GetPorts.Instance, _askTimeout, ct).ConfigureAwait(false);
        return ports.Items.Where(p => p.PeerBridge is not null).Sum(p => p.Counters.RxPackets);
    }

    /// <summary>Stops every bridge and the host actor.</summary>
    public void StopAll()
    {
        foreach (var b in _bridges.Values.ToList())
        {
            Deactivate(b.Bridge, b.Token, "node stopping");
        }
    }

    private void StartTraffic(string bridge, Actors.Config.BridgeOptions options, IActorRef actor, long token)
    {
        if (_traffic.PacketsPerTick <= 0)
        {
            return;
        }

        // Local traffic enters through ordinary ports only: a patch port receives only what its
        // peer bridge sends (as in OVS), so its rx counter measures the patch link.
        var patch = options.Links.Select(l => l.Ofport).ToHashSet();
        var inPorts = options.Ports.Count > 0 ? options.Ports.Where(p => !patch.Contains(p.Ofport)).Select(p => (uint)p.Ofport).ToList() : [1u];
        if (inPorts.Count == 0)
        {
            return;
        }

        var flows = new FlowSet(new FlowSetSpec(inPorts, ["tcp", "udp"]), _traffic.Flows, unchecked((int)Rendezvous.Score(bridge, "traffic")));
        var next = 0;
        var pump = _system.Scheduler.ScheduleRepeatedly(_traffic.Interval, _traffic.Interval, () =>
        {
            if (!_bridges.TryGetValue(bridge, out var b) || b.Token != token)
            {
                return;
            }

            var batch = ImmutableArray.CreateBuilder<Packet>(_traffic.PacketsPerTick);
            for (var i = 0; i < _traffic.PacketsPerTick; i++)
            {
                var f = next++ % flows.Count;
                batch.Add(new Packet(flows.Frame(f), flows.Key(f).InPort));
            }

            actor.Tell(new PacketsIn(batch.MoveToImmutable()), ActorRefs.NoSender);
        });
        if (_pumps.TryGetValue(bridge, out var old))
        {
            old.Cancel();
        }

        _pumps[bridge] = pump;
    }
}

/// <summary>Local traffic a node generates into each bridge it runs, so running bridges show moving counters.</summary>
public sealed record TrafficOptions
{
    /// <summary>Packets per tick per bridge (0: no traffic).</summary>
    public int PacketsPerTick { get; init; } = 32;

    /// <summary>Tick period.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Distinct flows per bridge.</summary>
    public int Flows { get; init; } = 64;
}
