using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Coordination;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Membership;

/// <summary>
/// A node's membership: holds <c>/vswarm/members/&lt;node&gt;</c> on a lease renewed every TTL/3,
/// watches the members prefix and reports <see cref="MemberUp"/> / <see cref="MemberRemoved"/>.
/// Self-fencing: the fencing deadline is the send time of the last successful keepalive + TTL −
/// <see cref="MembershipOptions.SafetyMargin"/>; when it passes without a renewal (etcd
/// unreachable, a stall), or etcd says the lease is gone, the node calls <see cref="Fenced"/>
/// synchronously (placement stops every bridge), then rejoins with a new lease. Like Orleans'
/// "I have been told I am dead", a node that sees its own key deleted fences too.
/// </summary>
/// <remarks>
/// All state changes run on the node's <see cref="SerialExecutor"/>; timers run on the
/// <see cref="IScheduler"/> (virtual time in the harness).
/// </remarks>
public sealed class MembershipService : IDisposable
{
    private readonly ICoordinationStore _store;
    private readonly IScheduler _scheduler;
    private readonly SerialExecutor _executor;
    private readonly MembershipOptions _options;
    private readonly ILogger _log;
    private readonly Dictionary<string, MemberInfo> _members = new(StringComparer.Ordinal);
    private ICancelable? _keepAliveTimer;
    private ICancelable? _deadlineTimer;
    private ICancelable? _rejoinTimer;
    private IDisposable? _watch;
    private long _ownKeyRevision;
    private TimeSpan _deadline;
    private long _lease;
    private bool _stopped;

    /// <summary>Creates the service; nothing happens before <see cref="Start"/>.</summary>
    public MembershipService(MemberInfo self, ICoordinationStore store, IScheduler scheduler, SerialExecutor executor, MembershipOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ClusterKeys.ValidateName(self.Node, "node");
        options.Validate();
        Self = self;
        _store = store;
        _scheduler = scheduler;
        _executor = executor;
        _options = options;
        _log = log;
    }

    /// <summary>A membership event (MemberUp, MemberRemoved, SelfJoined, SelfFenced), raised on the executor.</summary>
    public event Action<object>? Changed;

    /// <summary>
    /// Raised synchronously when the node fences itself, before anything else happens; the
    /// handler must stop every bridge at once (it runs before the lease can expire in etcd).
    /// </summary>
    public event Action<string>? Fenced;

    /// <summary>This node's record.</summary>
    public MemberInfo Self { get; }

    /// <summary>The current lease; 0 when not joined (before the first join, or fenced).</summary>
    public long Lease
    {
        get => Interlocked.Read(ref _lease);
        private set => Interlocked.Exchange(ref _lease, value);
    }

    /// <summary>True while this node holds a live lease it trusts (joined, not fenced).</summary>
    public bool IsJoined => Lease != 0;

    /// <summary>Members seen through the watch (this node included once its key is seen).</summary>
    public IReadOnlyDictionary<string, MemberInfo> Members => _members;

    /// <summary>Live member names as placement should use them: the watched members, plus this node while joined.</summary>
    public IReadOnlyCollection<string> LiveNodes
    {
        get
        {
            var set = new SortedSet<string>(_members.Keys, StringComparer.Ordinal);
            if (IsJoined)
            {
                set.Add(Self.Node);
            }
            else
            {
                set.Remove(Self.Node);
            }

            return set;
        }
    }

    /// <summary>Joins (grants a lease, writes the member key, starts keepalive and the watch).</summary>
    public void Start() => _executor.Post(JoinAsync);

    /// <summary>Graceful leave: raises <see cref="Fenced"/> ("leaving") so bridges stop, then revokes the lease.</summary>
    public async Task LeaveAsync(CancellationToken ct = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _executor.Post(async () =>
        {
            try
            {
                _stopped = true;
                var lease = Lease;
                StopTimers();
                if (lease != 0)
                {
                    Lease = 0;
                    Fenced?.Invoke("leaving the cluster");
                    await _store.LeaseRevokeAsync(lease, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                done.TrySetResult();
            }
        });
        await done.Task.ConfigureAwait(false);
    }

    /// <summary>Stops timers and the watch without touching the store (a crash, as the harness models it).</summary>
    public void Dispose()
    {
        _stopped = true;
        StopTimers();
        _watch?.Dispose();
        _watch = null;
    }

    private void StopTimers()
    {
        _keepAliveTimer?.Cancel();
        _deadlineTimer?.Cancel();
        _rejoinTimer?.Cancel();
    }

    private async Task JoinAsync()
    {
        if (_stopped || IsJoined)
        {
            return;
        }

        try
        {
            var sent = _scheduler.MonotonicClock;
            var lease = await _store.LeaseGrantAsync(_options.LeaseTtl).ConfigureAwait(false);
            var rev = await _store.PutAsync(ClusterKeys.Member(Self.Node), Self.ToJson(), lease.Id).ConfigureAwait(false);
            if (_stopped)
            {
                return;
            }

            _ownKeyRevision = rev;
            Lease = lease.Id;
            ArmDeadline(sent + lease.Ttl - _options.SafetyMargin);
            _keepAliveTimer?.Cancel();
            _keepAliveTimer = _scheduler.ScheduleRepeatedly(_options.EffectiveKeepAlive, _options.EffectiveKeepAlive, () => _executor.Post(KeepAliveAsync));
            _log.Joined(Self.Node, lease.Id, lease.Ttl.TotalMilliseconds);
            if (_watch is null)
            {
                var snapshot = await _store.RangeAsync(ClusterKeys.Members, prefix: true).ConfigureAwait(false);
                foreach (var kv in snapshot.Kvs)
                {
                    OnPut(kv.Key, kv.Value);
                }

                _watch = _store.Watch(ClusterKeys.Members, snapshot.Revision + 1, e => _executor.Post(() => OnEvent(e)), OnWatchError);
            }

            Changed?.Invoke(new SelfJoined(Self.Node, lease.Id));
        }
        catch (StoreUnavailableException ex)
        {
            _log.KeepAliveFailed(0, "join: " + ex.Message);
            ScheduleRejoin();
        }
    }

    private void OnWatchError(Exception ex)
    {
        _executor.Post(async () =>
        {
            _log.StepFailed(ex, "members watch ended; re-reading");
            _watch?.Dispose();
            _watch = null;
            var snapshot = await _store.RangeAsync(ClusterKeys.Members, prefix: true).ConfigureAwait(false);
            var seen = snapshot.Kvs.Select(k => k.Key[ClusterKeys.Members.Length..]).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _members.Keys.Where(n => !seen.Contains(n)).ToList())
            {
                OnDelete(gone, long.MaxValue);
            }

            foreach (var kv in snapshot.Kvs)
            {
                OnPut(kv.Key, kv.Value);
            }

            _watch = _store.Watch(ClusterKeys.Members, snapshot.Revision + 1, e => _executor.Post(() => OnEvent(e)), OnWatchError);
        });
    }

    private async Task KeepAliveAsync()
    {
        var lease = Lease;
        if (_stopped || lease == 0)
        {
            return;
        }

        var sent = _scheduler.MonotonicClock;
        bool alive;
        try
        {
            alive = await _store.LeaseKeepAliveAsync(lease).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            _log.KeepAliveFailed(lease, ex.Message);
            return;
        }

        if (lease != Lease)
        {
            return;
        }

        if (!alive)
        {
            Fence("etcd reports the lease expired");
            return;
        }

        ArmDeadline(sent + _options.LeaseTtl - _options.SafetyMargin);
    }

    private void ArmDeadline(TimeSpan deadline)
    {
        _deadline = deadline;
        _deadlineTimer?.Cancel();
        var delay = deadline - _scheduler.MonotonicClock;
        var lease = Lease;
        _deadlineTimer = _scheduler.ScheduleOnce(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, () =>
        {
            // Synchronous on the timer: fencing must not wait behind a slow store call in the executor.
            if (Lease == lease && lease != 0 && _scheduler.MonotonicClock >= _deadline)
            {
                Fence($"no keepalive succeeded within TTL - margin ({(_options.LeaseTtl - _options.SafetyMargin).TotalMilliseconds} ms)");
            }
        });
    }

    private void Fence(string reason)
    {
        // The deadline timer and the executor may both get here; only the first one fences.
        if (Interlocked.Exchange(ref _lease, 0) == 0)
        {
            return;
        }

        _keepAliveTimer?.Cancel();
        _deadlineTimer?.Cancel();
        _log.Fenced(Self.Node, reason);
        Fenced?.Invoke(reason);
        Changed?.Invoke(new SelfFenced(Self.Node, reason));
        ScheduleRejoin();
    }

    private void ScheduleRejoin()
    {
        if (_stopped)
        {
            return;
        }

        _rejoinTimer?.Cancel();
        _rejoinTimer = _scheduler.ScheduleOnce(_options.EffectiveRejoinDelay, () => _executor.Post(JoinAsync));
    }

    private void OnEvent(StoreEvent e)
    {
        if (_stopped)
        {
            return;
        }

        if (e.IsDelete)
        {
            OnDelete(e.Key[ClusterKeys.Members.Length..], e.Revision);
        }
        else
        {
            OnPut(e.Key, e.Value);
        }
    }

    private void OnPut(string key, string value)
    {
        var node = key[ClusterKeys.Members.Length..];
        if (MemberInfo.TryParse(value) is not { } info)
        {
            return;
        }

        if (_members.TryGetValue(node, out var old) && old == info)
        {
            return;
        }

        _members[node] = info;
        _log.MemberUp(node, info.Address);
        Changed?.Invoke(new MemberUp(info));
    }

    private void OnDelete(string node, long revision)
    {
        if (node == Self.Node && IsJoined && revision > _ownKeyRevision)
        {
            Fence("this node's member key was deleted");
        }

        if (_members.Remove(node))
        {
            _log.MemberRemoved(node);
            Changed?.Invoke(new MemberRemoved(node));
        }
    }
}
