namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>Futures.Ask</c> and <c>GracefulStopSupport</c>. Ask sends the message with a temporary ref
/// as sender; the first reply completes the task: a <see cref="Status.Failure"/> faults it with its
/// cause, a reply of the wrong type fails it with <see cref="ArgumentException"/>, no reply within the
/// timeout (measured on the system scheduler, so virtual time drives it) fails it with
/// <see cref="AskTimeoutException"/>. A reply after the timeout goes to dead letters; after a cancel it
/// is dropped. No timeout (and no system default) means wait forever, as in Akka.
/// </summary>
public static class Futures
{
    /// <summary>Asks and expects a reply of type <typeparamref name="T"/>.</summary>
    public static Task<T> Ask<T>(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = target switch
        {
            InternalActorRef r => r.System,
            ExternalActorRef e => e.System,
            ActorSelection s => s.System,
            _ => null,
        } ?? throw new ArgumentException($"Cannot ask {target}: it belongs to no actor system", nameof(target));

        var effective = timeout ?? system.Options.AskTimeout;
        if (effective is { } t && t <= TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "Ask timeout must be positive (AK2000)");
        }

        var future = new FutureActorRef<T>(system, target, effective == Timeout.InfiniteTimeSpan ? null : effective, cancellationToken);
        _ = future.Task.ContinueWith(static (_, f) => ((FutureActorRef<T>)f!).Unregister(), future, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        target.Tell(message, future);
        return future.Task;
    }

    /// <summary>Asks and accepts any reply.</summary>
    public static Task<object> Ask(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Ask<object>(target, message, timeout, cancellationToken);

    /// <summary>
    /// Sends <paramref name="stopMessage"/> (default <see cref="PoisonPill"/>) and completes with true when the
    /// actor has terminated, or false when it has not within <paramref name="timeout"/> (Akka.NET's behaviour).
    /// </summary>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout, object? stopMessage = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target is not InternalActorRef { System: { } system } r)
        {
            return Task.FromResult(true);
        }

        var watcher = new StopWatcher(system, r, timeout);
        r.SendSystemMessage(new Watch(r, watcher));
        target.Tell(stopMessage ?? PoisonPill.Instance, ActorRefs.Nobody);
        return watcher.Task;
    }

    private sealed class FutureActorRef<T> : InternalActorRef
    {
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ActorSystem _system;
        private readonly ICancelable? _timeout;
        private readonly CancellationTokenRegistration _registration;
        private int _state; // 0 pending, 1 replied, 2 timed out, 3 cancelled

        public FutureActorRef(ActorSystem system, ICanTell target, TimeSpan? timeout, CancellationToken ct)
            : base(system.NewTempPath(), 0, system)
        {
            _system = system;
            system.RegisterTemp(this);
            if (timeout is { } t)
            {
                _timeout = system.Scheduler.ScheduleOnce(t, () =>
                {
                    if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
                    {
                        _registration.Dispose();
                        _tcs.TrySetException(new AskTimeoutException($"Ask timed out on [{target}] after {t.TotalMilliseconds} ms"));
                    }
                });
            }

            if (ct.CanBeCanceled)
            {
                _registration = ct.Register(() =>
                {
                    if (Interlocked.CompareExchange(ref _state, 3, 0) == 0)
                    {
                        _timeout?.Cancel();
                        _tcs.TrySetCanceled(ct);
                    }
                });
            }
        }

        public Task<T> Task => _tcs.Task;

        public override bool IsTerminated => Volatile.Read(ref _state) != 0;

        /// <summary>Forgets the temp registration once the ask completed (reply, timeout or cancel).</summary>
        internal void Unregister() => _system.UnregisterTemp(this);

        public override void Tell(object message, IActorRef? sender)
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                if (Volatile.Read(ref _state) == 2)
                {
                    _system.DeadLetter(message, sender ?? ActorRefs.Nobody, this);
                }

                return;
            }

            _timeout?.Cancel();
            _registration.Dispose();
            switch (message)
            {
                case Status.Failure f:
                    _tcs.TrySetException(f.Cause);
                    break;
                case T t:
                    _tcs.TrySetResult(t);
                    break;
                default:
                    _tcs.TrySetException(new ArgumentException(
                        $"Received message of type [{message.GetType()}] - Ask expected message of type [{typeof(T)}]"));
                    break;
            }
        }

        internal override void SendSystemMessage(SystemMessage message) => ReplyTerminatedToWatch(message, false);
    }

    private sealed class StopWatcher : InternalActorRef
    {
        private readonly TaskCompletionSource<bool> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ICancelable _timeout;

        public StopWatcher(ActorSystem system, InternalActorRef target, TimeSpan timeout)
            : base(system.NewTempPath(), 0, system)
        {
            _timeout = system.Scheduler.ScheduleOnce(timeout, () =>
            {
                if (_tcs.TrySetResult(false))
                {
                    target.SendSystemMessage(new Unwatch(target, this));
                }
            });
        }

        public Task<bool> Task => _tcs.Task;

        public override void Tell(object message, IActorRef? sender)
        {
        }

        internal override void SendSystemMessage(SystemMessage message)
        {
            if (message is DeathWatchNotification)
            {
                _timeout.Cancel();
                _tcs.TrySetResult(true);
            }
        }
    }
}
