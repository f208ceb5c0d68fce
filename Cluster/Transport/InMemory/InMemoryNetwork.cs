using System.Collections.Concurrent;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Transport.InMemory;

/// <summary>
/// Many nodes' links in one process, for tests (Orleans' in-memory transport, Akka's
/// TestTransport with its "gremlin" failure injector): each connection is a pair of
/// <see cref="System.IO.Pipelines.Pipe"/>s, and every frame crossing a (from, to) direction passes
/// that direction's fault rule — blackhole, drop with a probability, delay — driven by the given
/// scheduler (the Runtime's <see cref="VirtualTimeScheduler"/> in TestKit scenarios). A delay keeps
/// the FIFO order of the direction (no reordering inside a link, as TCP). <see cref="Crash"/> kills a
/// node's connections and listener at once, as a process crash.
/// Addresses are the node names.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<string, Func<ILinkConnection, Task>> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string From, string To), FaultRule> _rules = new();
    private readonly ConcurrentDictionary<string, bool> _crashed = new(StringComparer.Ordinal);
    private readonly List<InMemoryConnection> _connections = [];
    private readonly Random _random;
    private long _dropped;

    /// <summary>Creates a network whose delays run on <paramref name="scheduler"/>; <paramref name="seed"/> fixes the drop decisions.</summary>
    public InMemoryNetwork(IScheduler scheduler, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        Scheduler = scheduler;
        _random = new Random(seed);
    }

    /// <summary>The scheduler that times delayed deliveries.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>Frames dropped by blackholes and drop rules so far.</summary>
    public long DroppedFrames => Interlocked.Read(ref _dropped);

    /// <summary>
    /// True when every frame handed to the network has been consumed by its receiver, or is held
    /// for a later virtual time, or was dropped: what a scenario waits for before advancing time.
    /// </summary>
    public bool IsQuiet
    {
        get
        {
            lock (_connections)
            {
                return _connections.All(c => c.IsQuiet);
            }
        }
    }

    /// <summary>Connections open now: both ends still open (each connection counts once).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count(c => c.IsOpen && c.Other is { IsOpen: true }) / 2;
            }
        }
    }

    /// <summary>The transport the node <paramref name="node"/> uses (its dials are attributed to it for fault rules).</summary>
    public ILinkTransport TransportFor(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        return new NodeTransport(this, node);
    }

    /// <summary>Frames from <paramref name="from"/> to <paramref name="to"/> (and back, unless <paramref name="bothWays"/> is false) vanish.</summary>
    public void Blackhole(string from, string to, bool bothWays = true) => Update(from, to, bothWays, r => r with { Blackhole = true });

    /// <summary>Each frame in the direction is dropped with <paramref name="probability"/>.</summary>
    public void Drop(string from, string to, double probability, bool bothWays = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1.0);
        Update(from, to, bothWays, r => r with { DropProbability = probability });
    }

    /// <summary>Each frame in the direction arrives <paramref name="delay"/> later (on the scheduler's clock), order kept.</summary>
    public void Delay(string from, string to, TimeSpan delay, bool bothWays = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Update(from, to, bothWays, r => r with { Delay = delay });
    }

    /// <summary>Removes every fault between the two nodes (frames already delayed still arrive in order).</summary>
    public void Heal(string from, string to)
    {
        _rules.TryRemove((from, to), out _);
        _rules.TryRemove((to, from), out _);
    }

    /// <summary>Removes every fault rule.</summary>
    public void HealAll() => _rules.Clear();

    /// <summary>
    /// The node crashes: its listener goes away and all its connections are aborted (peers see the
    /// connection close); until <see cref="Restart"/>, dials to and from it fail.
    /// </summary>
    public void Crash(string node)
    {
        _crashed[node] = true;
        _listeners.TryRemove(node, out _);
        List<InMemoryConnection> victims;
        lock (_connections)
        {
            victims = _connections.Where(c => c.LocalNode == node || c.RemoteNode == node).ToList();
        }

        foreach (var c in victims)
        {
            c.Abort();
        }
    }

    /// <summary>Lets a crashed node listen and dial again (a new incarnation).</summary>
    public void Restart(string node) => _crashed.TryRemove(node, out _);

    internal FaultRule RuleFor(string from, string to) => _rules.GetValueOrDefault((from, to), FaultRule.None);

    internal bool ShouldDrop(double probability)
    {
        if (probability <= 0)
        {
            return false;
        }

        lock (_random)
        {
            return _random.NextDouble() < probability;
        }
    }

    internal void CountDrop() => Interlocked.Increment(ref _dropped);

    internal void Forget(InMemoryConnection connection)
    {
        lock (_connections)
        {
            _connections.Remove(connection);
        }
    }

    private void Update(string from, string to, bool bothWays, Func<FaultRule, FaultRule> change)
    {
        _rules.AddOrUpdate((from, to), _ => change(FaultRule.None), (_, r) => change(r));
        if (bothWays)
        {
            _rules.AddOrUpdate((to, from), _ => change(FaultRule.None), (_, r) => change(r));
        }
    }

    private Task<ILinkListener> Listen(string node, string address, Func<ILinkConnection, Task> onConnection)
    {
        if (!string.Equals(node, address, StringComparison.Ordinal))
        {
            throw new ArgumentException($"in-memory node {node} must listen on its own name, not [{address}]", nameof(address));
        }

        if (_crashed.ContainsKey(node))
        {
            throw new IOException($"node {node} is crashed");
        }

        if (!_listeners.TryAdd(address, onConnection))
        {
            throw new IOException($"address {address} is already in use");
        }

        return Task.FromResult<ILinkListener>(new Listener(this, address, onConnection));
    }

    private Task<ILinkConnection> Connect(string node, string address)
    {
        if (_crashed.ContainsKey(node))
        {
            throw new IOException($"node {node} is crashed");
        }

        if (_crashed.ContainsKey(address) || !_listeners.TryGetValue(address, out var accept))
        {
            throw new IOException($"connection refused: nothing listens on {address}");
        }

        var (client, server) = InMemoryConnection.CreatePair(this, node, address);
        lock (_connections)
        {
            _connections.Add(client);
            _connections.Add(server);
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await accept(server);
            }
            finally
            {
                await server.DisposeAsync();
            }
        });
        return Task.FromResult<ILinkConnection>(client);
    }

    private sealed class NodeTransport(InMemoryNetwork network, string node) : ILinkTransport
    {
        public Task<ILinkListener> ListenAsync(string address, Func<ILinkConnection, Task> onConnection, CancellationToken cancellationToken = default) =>
            network.Listen(node, address, onConnection);

        public Task<ILinkConnection> ConnectAsync(string address, CancellationToken cancellationToken = default) =>
            network.Connect(node, address);
    }

    private sealed class Listener(InMemoryNetwork network, string address, Func<ILinkConnection, Task> onConnection) : ILinkListener
    {
        public string Address => address;

        public ValueTask DisposeAsync()
        {
            network._listeners.TryRemove(new KeyValuePair<string, Func<ILinkConnection, Task>>(address, onConnection));
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A direction's fault rule.</summary>
internal sealed record FaultRule(bool Blackhole, double DropProbability, TimeSpan Delay)
{
    public static FaultRule None { get; } = new(false, 0, TimeSpan.Zero);
}
