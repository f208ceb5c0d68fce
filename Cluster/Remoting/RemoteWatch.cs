using VSwarm.Cluster.Remoting.Wire;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// Remote DeathWatch of one node (Akka.Remote's <c>RemoteWatcher</c> and the remote daemon's watch
/// handling, reduced to the link protocol). Two halves:
/// <list type="bullet">
/// <item><b>Watching</b> refs on other nodes: <c>Context.Watch(remoteRef)</c> records the pair and
/// queues a WATCH frame on the link; a DEATHWATCH_NOTIFICATION frame back becomes the watcher's
/// <c>Terminated(ref, ExistenceConfirmed, AddressTerminated: false)</c>; when the link to the node
/// goes down (heartbeat failure, closed, node removed) or cannot be made, every pair of that node
/// ends with <c>Terminated(ref, false, AddressTerminated: true)</c>, once.</item>
/// <item><b>Watched</b> by other nodes: a WATCH frame makes the <c>/system</c> remote-watch actor
/// watch the local actor on the remote watcher's behalf; its death is sent back as a
/// DEATHWATCH_NOTIFICATION (at once, existence not confirmed, when no actor lives at the path).
/// When the link to the watcher's node goes down, its watches are forgotten.</item>
/// </list>
/// Every link-down ends the association for DeathWatch on both sides: a link that comes back is a
/// fresh start and watchers must watch again (Akka quarantines the old incarnation; VSwarm does not
/// know remote incarnations, so it drops the watches instead). The ended watches are UNWATCHed as the
/// first frames of the next link, for a peer that never saw the link go down.
/// </summary>
internal sealed class RemoteWatch
{
    private readonly NodeLinks _remoting;
    private readonly object _gate = new();

    // Watching side: per node, (watchee path, watcher path) → the remote ref and the local watcher.
    private readonly Dictionary<string, Dictionary<(string Watchee, string Watcher), (RemoteActorRef Ref, IActorRef Watcher)>> _watching = new(StringComparer.Ordinal);

    // Watched side: per local actor, the remote watchers; and the local actor behind each watched path.
    private readonly Dictionary<IActorRef, HashSet<Served>> _served = [];
    private readonly Dictionary<string, IActorRef> _localByPath = new(StringComparer.Ordinal);
    // Per node, the pairs that ended with AddressTerminated: UNWATCHed first thing on the next link
    // (the peer may not have seen the link go down, e.g. a one-way blackhole that healed in time).
    private readonly Dictionary<string, List<UnwatchFrame>> _stale = new(StringComparer.Ordinal);
    private IActorRef? _daemon;

    /// <summary>Most stale pairs kept per node for the next link (beyond that the peer keeps them until the actor stops).</summary>
    private const int MaxStalePerNode = 10_000;

    public RemoteWatch(NodeLinks remoting)
    {
        _remoting = remoting;
    }

    /// <summary>Remote watch pairs this node holds as a watcher (tests check nothing leaks).</summary>
    public int WatchingCount
    {
        get
        {
            lock (_gate)
            {
                return _watching.Values.Sum(d => d.Count);
            }
        }
    }

    /// <summary>Remote watchers of local actors this node serves.</summary>
    public int ServedCount
    {
        get
        {
            lock (_gate)
            {
                return _served.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>Starts the <c>/system</c> actor that watches local actors for remote watchers.</summary>
    public void Start()
    {
        var props = Props.Create(() => new RemoteWatchDaemon(this));
        try
        {
            _daemon = _remoting.System.SystemActorOf(props, "remote-watcher");
        }
        catch (InvalidActorNameException)
        {
            _daemon = _remoting.System.SystemActorOf(props); // another NodeLinks on this system took the name
        }
    }

    public void Stop()
    {
        if (_daemon is { } d)
        {
            _remoting.System.Stop(d);
        }
    }

    // ---------------------------------------------------------------- watching remote refs

    /// <summary><paramref name="watcher"/> watches <paramref name="watchee"/> (called on the watcher's thread).</summary>
    public void Watch(RemoteActorRef watchee, IActorRef watcher)
    {
        var key = (Watchee: watchee.PathText, Watcher: watcher.Path.ToString());
        if (System.Text.Encoding.UTF8.GetByteCount(key.Watchee) > LinkNetlink.MaxPathBytes)
        {
            watchee.NotifyWatcher(watcher, existenceConfirmed: false, addressTerminated: false); // no actor can live at such a path
            return;
        }

        lock (_gate)
        {
            if (!_watching.TryGetValue(watchee.Node, out var pairs))
            {
                _watching[watchee.Node] = pairs = [];
            }

            pairs[key] = (watchee, watcher);
        }

        if (!watchee.Link.SendControl(new WatchFrame(key.Watchee, key.Watcher)) && Forget(watchee.Node, key))
        {
            // The node is unknown or its link is down: as if it had been declared gone.
            watchee.NotifyWatcher(watcher, existenceConfirmed: false, addressTerminated: true);
        }
    }

    /// <summary><paramref name="watcher"/> unwatched <paramref name="watchee"/> or stopped.</summary>
    public void Unwatch(RemoteActorRef watchee, IActorRef watcher)
    {
        var key = (Watchee: watchee.PathText, Watcher: watcher.Path.ToString());
        if (Forget(watchee.Node, key))
        {
            watchee.Link.SendControl(new UnwatchFrame(key.Watchee, key.Watcher));
        }
    }

    /// <summary>A DEATHWATCH_NOTIFICATION from <paramref name="node"/>.</summary>
    public void OnNotification(string node, DeathWatchNotificationFrame frame)
    {
        if (!IsOn(frame.Actor, node))
        {
            _remoting.Undecodable(node, $"death watch notification for {frame.Actor}, which is not on {node}");
            return;
        }

        (RemoteActorRef Ref, IActorRef Watcher) entry;
        lock (_gate)
        {
            if (!_watching.TryGetValue(node, out var pairs) || !pairs.Remove((frame.Actor, frame.Watcher), out entry))
            {
                return; // unwatched meanwhile (Akka drops it too)
            }
        }

        entry.Ref.NotifyWatcher(entry.Watcher, frame.ExistenceConfirmed, addressTerminated: false);
    }

    /// <summary>
    /// The link to <paramref name="node"/> went down, could not be made, or the node was removed:
    /// every watch of a ref there ends with AddressTerminated, and its watches of local actors are forgotten.
    /// </summary>
    public void NodeGone(string node)
    {
        List<(RemoteActorRef Ref, IActorRef Watcher)> ended = [];
        List<IActorRef> unwatched = [];
        lock (_gate)
        {
            if (_watching.Remove(node, out var pairs))
            {
                ended.AddRange(pairs.Values);
                if (!_stale.TryGetValue(node, out var stale))
                {
                    _stale[node] = stale = [];
                }

                foreach (var key in pairs.Keys.Take(MaxStalePerNode - stale.Count))
                {
                    stale.Add(new UnwatchFrame(key.Watchee, key.Watcher));
                }
            }

            foreach (var (local, watchers) in _served)
            {
                if (watchers.RemoveWhere(s => string.Equals(s.Node, node, StringComparison.Ordinal)) > 0 && watchers.Count == 0)
                {
                    unwatched.Add(local);
                }
            }

            foreach (var local in unwatched)
            {
                RemoveServed(local);
            }
        }

        foreach (var (r, w) in ended)
        {
            r.NotifyWatcher(w, existenceConfirmed: false, addressTerminated: true);
        }

        foreach (var local in unwatched)
        {
            _daemon?.Tell(new RemoteWatchDaemon.StopWatching(local), ActorRefs.Nobody);
        }
    }

    /// <summary>
    /// The UNWATCHes owed to <paramref name="node"/> for watches that ended with AddressTerminated;
    /// the link queues them as its first frames when it comes up, before any new WATCH, so a peer
    /// that never saw the link go down forgets them too.
    /// </summary>
    public List<UnwatchFrame>? TakeStale(string node)
    {
        lock (_gate)
        {
            return _stale.Remove(node, out var stale) ? stale : null;
        }
    }

    /// <summary>The node left the cluster: nothing is owed to it any more.</summary>
    public void Forget(string node)
    {
        lock (_gate)
        {
            _stale.Remove(node);
        }
    }

    // ---------------------------------------------------------------- watched by remote nodes

    /// <summary>A WATCH from <paramref name="node"/>: watch the local actor for it, or answer at once when there is none.</summary>
    public void OnWatch(string node, PeerLink link, WatchFrame frame)
    {
        if (!IsOn(frame.Watcher, node))
        {
            _remoting.Undecodable(node, $"watch by {frame.Watcher}, which is not on {node}");
            return;
        }

        if (!ActorPath.TryParse(frame.Watchee, out var path)
            || !string.Equals(path!.SystemName, _remoting.NodeName, StringComparison.Ordinal)
            || !_remoting.System.TryResolveLocal(path, out var local))
        {
            link.SendControl(new DeathWatchNotificationFrame(frame.Watchee, frame.Watcher, ExistenceConfirmed: false));
            return;
        }

        bool first;
        lock (_gate)
        {
            if (!_served.TryGetValue(local, out var watchers))
            {
                _served[local] = watchers = [];
            }

            first = watchers.Count == 0;
            watchers.Add(new Served(node, frame.Watchee, frame.Watcher));
            _localByPath[frame.Watchee] = local;
        }

        if (first)
        {
            _daemon?.Tell(new RemoteWatchDaemon.StartWatching(local), ActorRefs.Nobody);
        }
    }

    /// <summary>An UNWATCH from <paramref name="node"/>.</summary>
    public void OnUnwatch(string node, UnwatchFrame frame)
    {
        IActorRef? stop = null;
        lock (_gate)
        {
            if (_localByPath.TryGetValue(frame.Watchee, out var local)
                && _served.TryGetValue(local, out var watchers)
                && watchers.Remove(new Served(node, frame.Watchee, frame.Watcher))
                && watchers.Count == 0)
            {
                RemoveServed(local);
                stop = local;
            }
        }

        if (stop is not null)
        {
            _daemon?.Tell(new RemoteWatchDaemon.StopWatching(stop), ActorRefs.Nobody);
        }
    }

    /// <summary>A local actor watched for remote nodes stopped: notify each remote watcher.</summary>
    public void LocalTerminated(IActorRef local, bool existenceConfirmed)
    {
        HashSet<Served>? watchers;
        lock (_gate)
        {
            _served.TryGetValue(local, out watchers);
            RemoveServed(local);
        }

        if (watchers is null)
        {
            return;
        }

        foreach (var s in watchers)
        {
            _remoting.Link(s.Node)?.SendControl(new DeathWatchNotificationFrame(s.Watchee, s.Watcher, existenceConfirmed));
        }
    }

    private static bool IsOn(string path, string node) =>
        ActorPath.TryParse(path, out var p) && string.Equals(p!.SystemName, node, StringComparison.Ordinal);

    private bool Forget(string node, (string, string) key)
    {
        lock (_gate)
        {
            if (_watching.TryGetValue(node, out var pairs) && pairs.Remove(key))
            {
                if (pairs.Count == 0)
                {
                    _watching.Remove(node);
                }

                return true;
            }

            return false;
        }
    }

    private void RemoveServed(IActorRef local)
    {
        if (_served.Remove(local, out var watchers))
        {
            foreach (var s in watchers)
            {
                if (_localByPath.TryGetValue(s.Watchee, out var l) && l.Equals(local))
                {
                    _localByPath.Remove(s.Watchee);
                }
            }
        }
    }

    /// <summary>A remote watcher of a local actor: its node, the watched path as it sent it, its own path.</summary>
    private readonly record struct Served(string Node, string Watchee, string Watcher);
}

/// <summary>
/// The <c>/system/remote-watcher</c> actor: watches local actors on behalf of watchers on other
/// nodes (DeathWatch is an actor-to-actor protocol in the kernel, so the node needs an actor to hold
/// the watches) and reports each <see cref="Terminated"/> to <see cref="RemoteWatch"/>.
/// </summary>
internal sealed class RemoteWatchDaemon : ReceiveActor
{
    public RemoteWatchDaemon(RemoteWatch watch)
    {
        Receive<StartWatching>(m => Context.Watch(m.Actor));
        Receive<StopWatching>(m => Context.Unwatch(m.Actor));
        Receive<Terminated>(t => watch.LocalTerminated(t.ActorRef, t.ExistenceConfirmed));
    }

    /// <summary>Watch <paramref name="Actor"/> (its first remote watcher arrived).</summary>
    public sealed record StartWatching(IActorRef Actor);

    /// <summary>Stop watching <paramref name="Actor"/> (its last remote watcher left).</summary>
    public sealed record StopWatching(IActorRef Actor);
}
