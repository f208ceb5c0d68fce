using System.Runtime.ExceptionServices;
using VSwarm.Runtime.Event;

namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>ActorCell</c>: the runtime side of one actor — instance, behaviour stack, children,
/// supervision, death watch, timers, stash and receive timeout. Everything except the children map and
/// the mailbox queues is touched only by the thread running the mailbox loop.
/// </summary>
internal sealed class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_current;

    [ThreadStatic]
    private static ActorCell? t_creating;

    private static long s_uid;

    private readonly object _childrenLock = new();
    private readonly Dictionary<string, ChildEntry> _children = new(StringComparer.Ordinal);
    private readonly List<Receive> _behaviors = new(2);
    private readonly LocalActorRef _self;
    private readonly InternalActorRef _parent;
    private ActorBase? _actor;
    private Envelope _current;
    private int _nameCounter;

    // Lifecycle state (loop thread; _terminated also read elsewhere).
    private bool _terminating;
    private volatile bool _terminated;
    private Exception? _pendingRecreate;
    private bool _failureSuspended;
    private bool _asyncSuspended;
    private object? _pendingAsync;
    private int _instanceGeneration;
    private InternalActorRef? _perpetrator;
    private object? _failedMessage;

    // Death watch.
    private Dictionary<IActorRef, object?>? _watching;
    private HashSet<InternalActorRef>? _watchedBy;
    private Dictionary<IActorRef, object?>? _terminatedQueued;

    // Timers, stash, receive timeout, logging.
    private TimerScheduler? _timers;
    private StashImpl? _stash;
    private TimeSpan? _receiveTimeout;
    private ICancelable? _receiveTimeoutTask;
    private int _receiveTimeoutGeneration;
    private LoggingAdapter? _log;

    public ActorCell(ActorSystem system, ActorPath path, Props props, InternalActorRef parent)
    {
        System = system;
        Props = props;
        _parent = parent;
        _self = new LocalActorRef(system, path, Interlocked.Increment(ref s_uid)) { Cell = this };
        Mailbox = new Mailbox(props.Mailbox, system.Options.Throughput) { Cell = this };
    }

    /// <summary>The cell whose mailbox loop runs on this thread (Akka's <c>ActorCell.Current</c>).</summary>
    public static ActorCell? Current => t_current;

    /// <summary>The cell constructing an actor instance on this thread.</summary>
    public static ActorCell? Creating => t_creating;

    public Mailbox Mailbox { get; }

    public ActorSystem System { get; }

    public Props Props { get; }

    public IActorRef Self => _self;

    public LocalActorRef SelfRef => _self;

    public InternalActorRef ParentRef => _parent;

    public IActorRef Parent => _parent;

    public IActorRef Sender => _current.Sender ?? ActorRefs.Nobody;

    public Envelope CurrentEnvelope => _current;

    public bool IsTerminated => _terminated;

    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    public IEnumerable<IActorRef> Children => GetChildren();

    public static ActorCell? SetCurrent(ActorCell? cell)
    {
        var prev = t_current;
        t_current = cell;
        return prev;
    }

    public void Start() => Mailbox.SystemEnqueue(Create.Instance);

    // ------------------------------------------------------------------ user messages

    public void Invoke(Envelope envelope)
    {
        _current = envelope;
        var message = envelope.Message;
        try
        {
            // Re-armed before the handler runs, so a reply sent by the handler is never observed
            // before the new idle period has started (deterministic under virtual time).
            if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout)
            {
                RescheduleReceiveTimeout();
            }

            if (message is IAutoReceivedMessage)
            {
                AutoReceive(message);
            }
            else
            {
                ReceiveMessage(message);
            }
        }
#pragma warning disable CA1031 // Any exception from a handler is an actor failure handled by supervision.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            HandleInvokeFailure(ex, message);
        }
    }

    private void ReceiveMessage(object message)
    {
        var actor = _actor!;
        var handled = _behaviors.Count == 0 ? actor.AroundReceive(message) : _behaviors[^1](message);
        if (!handled)
        {
            actor.AroundUnhandled(message);
        }
    }

    private void AutoReceive(object message)
    {
        switch (message)
        {
            case TimerMessage tm:
                if (_timers?.Intercept(tm) is { } inner)
                {
                    ReceiveMessage(inner);
                }

                break;
            case ReceiveTimeoutTick tick:
                if (tick.Generation == _receiveTimeoutGeneration && _receiveTimeout is not null)
                {
                    // Keeps firing after every further idle period, as in Akka.
                    RescheduleReceiveTimeout();
                    ReceiveMessage(Runtime.ReceiveTimeout.Instance);
                }

                break;
            case Terminated t:
                if (_terminatedQueued is not null && _terminatedQueued.Remove(t.ActorRef, out var custom))
                {
                    ReceiveMessage(custom ?? t);
                }

                break;
            case PoisonPill:
                Stop(_self);
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify id:
                Sender.Tell(new ActorIdentity(id.MessageId, _self), _self);
                break;
            default:
                ReceiveMessage(message);
                break;
        }
    }

    // ------------------------------------------------------------------ system messages

    public void ProcessAllSystemMessages()
    {
        while (!Mailbox.IsClosed && Mailbox.TryDequeueSystem(out var message))
        {
            try
            {
                HandleSystemMessage(message);
            }
#pragma warning disable CA1031 // A failure while handling a system message is an actor failure.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                HandleInvokeFailure(ex, null);
            }
        }
    }

    private void HandleSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Create:
                HandleCreate();
                break;
            case Failed f:
                HandleFailed(f);
                break;
            case Recreate r:
                HandleRecreate(r.Cause);
                break;
            case Suspend:
                _failureSuspended = true;
                UpdateSuspended();
                break;
            case Resume r:
                HandleResume(r.Cause);
                break;
            case Terminate:
                HandleTerminate();
                break;
            case Watch w:
                HandleWatch(w);
                break;
            case Unwatch u:
                if (ReferenceEquals(u.Watchee, _self) || u.Watchee.Equals(_self))
                {
                    _watchedBy?.Remove(u.Watcher);
                }

                break;
            case DeathWatchNotification d:
                HandleDeathWatchNotification(d);
                break;
            case RunContinuation rc:
                HandleContinuation(rc);
                break;
            case AsyncCompleted ac:
                HandleAsyncCompleted(ac);
                break;
        }
    }

    // ------------------------------------------------------------------ creation

    private void HandleCreate()
    {
        try
        {
            CreateInstance();
            _actor!.AroundPreStart();
        }
#pragma warning disable CA1031 // Initialization failures go to the supervisor as ActorInitializationException.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailInitialization(ex, "exception during creation");
        }
    }

    private void CreateInstance()
    {
        _behaviors.Clear();
        _actor = null;
        _instanceGeneration++;
        var prev = t_creating;
        t_creating = this;
        ActorBase actor;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            t_creating = prev;
        }

        actor.OnConstructed();
        if (actor is IWithTimers wt)
        {
            _timers ??= new TimerScheduler(this);
            wt.Timers = _timers;
        }

        if (actor is IWithStash ws)
        {
            _stash ??= new StashImpl(this);
            ws.Stash = _stash;
        }

        _actor = actor;
    }

    private void FailInitialization(Exception ex, string what)
    {
        var cause = ex as ActorInitializationException ?? new ActorInitializationException(_self, $"{_self.Path}: {what}", ex);
        HandleInvokeFailure(cause, null);
    }

    // ------------------------------------------------------------------ failure and supervision

    private void HandleInvokeFailure(Exception cause, object? message)
    {
        if (_terminating)
        {
            // A failure while stopping: just log it, as Akka does.
            LogError(cause, $"Exception while stopping: {cause.Message}");
            return;
        }

        if (!_failureSuspended)
        {
            _failureSuspended = true;
            UpdateSuspended();
        }

        _failedMessage = message;
        _parent.SendSystemMessage(new Failed(_self, cause, _self.Uid));
    }

    private void HandleFailed(Failed f)
    {
        if (_terminating)
        {
            return;
        }

        ChildEntry? entry;
        List<ChildRestartStats> all;
        lock (_childrenLock)
        {
            if (!_children.TryGetValue(f.Child.Path.Name, out entry) || !entry.Ref.Equals(f.Child) || entry.Stopping)
            {
                return; // stale failure from a child already gone or being stopped
            }

            all = _children.Values.Where(c => !c.Stopping).Select(c => c.Stats).ToList();
        }

        var strategy = Props.SupervisorStrategy ?? _actor?.AroundSupervisorStrategy() ?? SupervisorStrategy.DefaultStrategy;
        var directive = strategy.Decider.Decide(f.Cause);
        if (directive == Directive.Escalate)
        {
            _perpetrator = entry.Ref;
            HandleInvokeFailure(f.Cause, null);
            return;
        }

        if (strategy.LoggingEnabled)
        {
            LogFailure(f.Child, f.Cause, directive);
        }

        switch (directive)
        {
            case Directive.Resume:
                entry.Ref.SendSystemMessage(new Resume(f.Cause));
                break;
            case Directive.Restart:
                strategy.ProcessFailure(this, true, f.Child, f.Cause, entry.Stats, all);
                break;
            default:
                strategy.ProcessFailure(this, false, f.Child, f.Cause, entry.Stats, all);
                break;
        }
    }

    private void LogFailure(IActorRef child, Exception cause, Directive directive)
    {
        var text = cause is ActorInitializationException { InnerException: { } inner }
            ? $"{cause.Message} ({inner.GetType().Name}: {inner.Message})"
            : $"{cause.GetType().Name}: {cause.Message}";
        var level = directive == Directive.Resume ? Microsoft.Extensions.Logging.LogLevel.Warning : Microsoft.Extensions.Logging.LogLevel.Error;
        var childType = child is LocalActorRef l ? l.Cell.Props.Type : typeof(ActorBase);
        LoggingAdapter.Emit(System.EventStream, System.Log, level, cause, child.Path.ToString(), childType, text);
    }

    internal static void RestartChild(IActorRef child, Exception cause, bool suspendFirst)
    {
        if (child is InternalActorRef r)
        {
            if (suspendFirst)
            {
                r.SendSystemMessage(Suspend.Instance);
            }

            r.SendSystemMessage(new Recreate(cause));
        }
    }

    internal void StopChild(IActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Path.Name, out var e) && e.Ref.Equals(child))
            {
                e.Stopping = true;
            }
        }

        (child as InternalActorRef)?.SendSystemMessage(Terminate.Instance);
    }

    private void HandleResume(Exception? cause)
    {
        if (_terminating)
        {
            return;
        }

        if (_actor is null && cause is not null)
        {
            // Creation failed: there is nothing to resume, so restart (Akka does the same).
            HandleRecreate(cause);
            return;
        }

        _failureSuspended = false;
        UpdateSuspended();
        if (_perpetrator is { } p)
        {
            _perpetrator = null;
            p.SendSystemMessage(new Resume(cause));
        }
    }

    private void HandleRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }

        if (_actor is { } failed)
        {
            try
            {
                _timers?.CancelAll();
                CancelReceiveTimeout();
                _stash?.UnstashAll();
                failed.AroundPreRestart(cause, _failedMessage);
            }
#pragma warning disable CA1031 // PreRestart failures are logged; the restart goes on (Akka does the same).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogError(ex, $"PreRestart failed: {ex.Message}");
            }
            finally
            {
                _actor = null;
                _behaviors.Clear();
            }
        }

        _failedMessage = null;
        _perpetrator = null;
        if (HasStoppingChildren())
        {
            _pendingRecreate = cause;
            return;
        }

        FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreate = null;
        List<LocalActorRef> survivors;
        lock (_childrenLock)
        {
            survivors = _children.Values.Where(c => !c.Stopping).Select(c => c.Ref).ToList();
        }

        try
        {
            CreateInstance();
            _failureSuspended = false;
            UpdateSuspended();
            _actor!.AroundPostRestart(cause);
        }
#pragma warning disable CA1031 // Initialization failures go to the supervisor.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            FailInitialization(ex, "exception in PostRestart");
            return;
        }

        foreach (var s in survivors)
        {
            RestartChild(s, cause, suspendFirst: true);
        }
    }

    // ------------------------------------------------------------------ children

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = "$" + EncodeName(Interlocked.Increment(ref _nameCounter));
        }
        else
        {
            ValidateName(name);
        }

        ActorCell child;
        lock (_childrenLock)
        {
            if (_terminating || _terminated)
            {
                throw new InvalidOperationException($"Cannot create child [{name}]: actor {_self.Path} is stopping");
            }

            if (_children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique under {_self.Path}");
            }

            child = new ActorCell(System, _self.Path.Child(name), props, _self);
            _children[name] = new ChildEntry(child.SelfRef);
        }

        child.Start();
        return child.Self;
    }

    internal static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '$' || name.Any(c => c == '/' || c == '#' || char.IsWhiteSpace(c) || c == '*' || c == '?'))
        {
            throw new InvalidActorNameException($"Illegal actor name [{name}]: must be non-empty, not start with '$', and not contain '/', '#', '*', '?' or spaces");
        }
    }

    private static string EncodeName(long n)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        var sb = new global::System.Text.StringBuilder();
        do
        {
            sb.Append(chars[(int)(n & 63)]);
            n >>= 6;
        }
        while (n != 0);
        return sb.ToString();
    }

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(name, out var e) ? e.Ref : ActorRefs.Nobody;
        }
    }

    internal LocalActorRef? GetChild(string name)
    {
        lock (_childrenLock)
        {
            return _children.TryGetValue(name, out var e) ? e.Ref : null;
        }
    }

    public IEnumerable<IActorRef> GetChildren()
    {
        lock (_childrenLock)
        {
            return _children.Values.Select(e => (IActorRef)e.Ref).ToArray();
        }
    }

    internal LocalActorRef[] GetChildRefs()
    {
        lock (_childrenLock)
        {
            return _children.Values.Select(e => e.Ref).ToArray();
        }
    }

    private bool HasStoppingChildren()
    {
        lock (_childrenLock)
        {
            return _children.Values.Any(c => c.Stopping);
        }
    }

    private bool HasChildren()
    {
        lock (_childrenLock)
        {
            return _children.Count > 0;
        }
    }

    private void HandleChildTerminated(IActorRef child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Path.Name, out var e) && e.Ref.Equals(child))
            {
                _children.Remove(child.Path.Name);
            }
        }

        if (_terminating)
        {
            if (!HasChildren())
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is { } cause && !HasStoppingChildren())
        {
            FinishRecreate(cause);
        }
    }

    public void Stop(IActorRef child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (child.Equals(_self))
        {
            _self.SendSystemMessage(Terminate.Instance);
            return;
        }

        StopChild(child);
    }

    // ------------------------------------------------------------------ termination

    private void HandleTerminate()
    {
        if (_terminating)
        {
            return;
        }

        lock (_childrenLock)
        {
            _terminating = true;
        }

        _failureSuspended = true;
        UpdateSuspended();
        _timers?.CancelAll();
        CancelReceiveTimeout();
        var children = GetChildRefs();
        if (children.Length == 0)
        {
            FinishTerminate();
            return;
        }

        foreach (var c in children)
        {
            StopChild(c);
        }
    }

    private void FinishTerminate()
    {
        if (_terminated)
        {
            return;
        }

        try
        {
            _actor?.AroundPostStop();
        }
#pragma warning disable CA1031 // PostStop failures are logged; the stop goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogError(ex, $"PostStop failed: {ex.Message}");
        }
        finally
        {
            _terminated = true;
            Mailbox.Close();
            DrainAfterClose();
            _actor = null;
            _behaviors.Clear();

            _parent.SendSystemMessage(new DeathWatchNotification(_self, true, false));
            if (_watchedBy is not null)
            {
                foreach (var w in _watchedBy)
                {
                    if (!w.Equals(_parent))
                    {
                        w.SendSystemMessage(new DeathWatchNotification(_self, true, false));
                    }
                }

                _watchedBy = null;
            }

            if (_watching is not null)
            {
                foreach (var w in _watching.Keys)
                {
                    SendUnwatch(w);
                }

                _watching = null;
            }

            System.EventStream.Unsubscribe(_self);
        }
    }

    /// <summary>After Close: remaining user messages to dead letters, pending Watch answered.</summary>
    public void DrainAfterClose()
    {
        if (_stash is { Count: > 0 } && ReferenceEquals(t_current, this))
        {
            foreach (var e in _stash.ClearStash())
            {
                System.DeadLetter(e.Message, e.Sender, _self);
            }
        }

        while (Mailbox.TryDequeue(out var e))
        {
            if (e.Message is not (DeadLetter or LogEvent or TimerMessage or ReceiveTimeoutTick))
            {
                System.DeadLetter(e.Message, e.Sender, _self);
            }
        }

        while (Mailbox.TryDequeueSystem(out var sm))
        {
            HandleSystemMessageAfterClose(sm);
        }
    }

    public void HandleSystemMessageAfterClose(SystemMessage message)
    {
        switch (message)
        {
            case Watch w when w.Watchee.Equals(_self) && !w.Watcher.Equals(_self):
                w.Watcher.SendSystemMessage(new DeathWatchNotification(_self, false, false));
                break;
            case Failed f:
                // A child failed while we were stopping: make sure it stops too.
                (f.Child as InternalActorRef)?.SendSystemMessage(Terminate.Instance);
                break;
        }
    }

    // ------------------------------------------------------------------ death watch

    public IActorRef Watch(IActorRef subject) => WatchInternal(subject, null);

    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchInternal(subject, message);
    }

    private IActorRef WatchInternal(IActorRef subject, object? message)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Equals(_self) || subject is not (InternalActorRef or ExternalActorRef))
        {
            return subject;
        }

        _watching ??= [];
        var isNew = !_watching.ContainsKey(subject);
        _watching[subject] = message;
        if (isNew)
        {
            if (subject is ExternalActorRef external)
            {
                external.OnWatched(_self);
            }
            else
            {
                var target = (InternalActorRef)subject;
                target.SendSystemMessage(new Watch(target, _self));
            }
        }

        return subject;
    }

    /// <summary>Tells a watched ref that this actor no longer watches it: a system message to a local ref, the hook of an external (remote) one.</summary>
    private void SendUnwatch(IActorRef subject)
    {
        if (subject is InternalActorRef target)
        {
            target.SendSystemMessage(new Unwatch(target, _self));
        }
        else
        {
            (subject as ExternalActorRef)?.OnUnwatched(_self);
        }
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_watching is not null && _watching.Remove(subject))
        {
            SendUnwatch(subject);
        }

        _terminatedQueued?.Remove(subject);
        return subject;
    }

    private void HandleWatch(Watch w)
    {
        if (!w.Watchee.Equals(_self) || w.Watcher.Equals(_self))
        {
            return;
        }

        if (_terminated)
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(_self, false, false));
            return;
        }

        _watchedBy ??= [];
        _watchedBy.Add(w.Watcher);
    }

    private void HandleDeathWatchNotification(DeathWatchNotification d)
    {
        if (_watching is not null && _watching.Remove(d.Actor, out var custom) && !_terminating)
        {
            _terminatedQueued ??= [];
            _terminatedQueued[d.Actor] = custom;
            _self.Tell(new Terminated(d.Actor, d.ExistenceConfirmed, d.AddressTerminated), d.Actor);
        }

        HandleChildTerminated(d.Actor);
    }

    // ------------------------------------------------------------------ behaviour

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviors.Count > 0)
        {
            _behaviors[^1] = receive;
        }
        else
        {
            _behaviors.Add(receive);
        }
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviors.Add(receive);
    }

    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 0)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }
    }

    // ------------------------------------------------------------------ receive timeout

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        _receiveTimeout = timeout is { } t && t > TimeSpan.Zero && t != Timeout.InfiniteTimeSpan ? t : null;
        if (_receiveTimeout is null)
        {
            CancelReceiveTimeout();
        }
        else
        {
            RescheduleReceiveTimeout();
        }
    }

    private void CancelReceiveTimeout()
    {
        _receiveTimeoutGeneration++;
        _receiveTimeoutTask?.Cancel();
        _receiveTimeoutTask = null;
    }

    private void RescheduleReceiveTimeout()
    {
        CancelReceiveTimeout();
        if (_receiveTimeout is { } t && !_terminating)
        {
            var tick = new ReceiveTimeoutTick(_receiveTimeoutGeneration);
            var self = _self;
            _receiveTimeoutTask = System.Scheduler.ScheduleOnce(t, () => self.Tell(tick, self));
        }
    }

    // ------------------------------------------------------------------ async handlers

    internal void RunTask(Func<Task> action)
    {
        var context = new ActorSynchronizationContext(this, _current);
        var prev = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        Task task;
        try
        {
            task = action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(prev);
        }

        if (task.IsCompleted)
        {
            ThrowIfFailed(task);
            return;
        }

        var token = new object();
        _pendingAsync = token;
        _asyncSuspended = true;
        UpdateSuspended();
        var done = new AsyncCompleted(_self, task, token, _instanceGeneration, _current);
        task.ContinueWith(
            static (_, s) =>
            {
                var d = (AsyncCompleted)s!;
                d.Target.SendSystemMessage(d);
            },
            done,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static void ThrowIfFailed(Task task)
    {
        if (task.IsFaulted)
        {
            var ex = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
            ExceptionDispatchInfo.Capture(ex).Throw();
        }

        if (task.IsCanceled)
        {
            throw new TaskCanceledException(task);
        }
    }

    private void HandleContinuation(RunContinuation rc)
    {
        if (_terminated)
        {
            return;
        }

        var saved = _current;
        _current = rc.Envelope;
        var prev = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(new ActorSynchronizationContext(this, rc.Envelope));
        try
        {
            rc.Callback(rc.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(prev);
            _current = saved;
        }
    }

    private void HandleAsyncCompleted(AsyncCompleted ac)
    {
        if (!ReferenceEquals(ac.Token, _pendingAsync))
        {
            return;
        }

        _pendingAsync = null;
        _asyncSuspended = false;
        UpdateSuspended();
        if (ac.InstanceGeneration == _instanceGeneration && !_terminating && (ac.Task.IsFaulted || ac.Task.IsCanceled))
        {
            _current = ac.Envelope;
            try
            {
                ThrowIfFailed(ac.Task);
            }
#pragma warning disable CA1031 // The faulted task is an actor failure.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                HandleInvokeFailure(ex, ac.Envelope.Message);
            }
        }
    }

    private void UpdateSuspended() => Mailbox.SetSuspended(_failureSuspended || _asyncSuspended);

    // ------------------------------------------------------------------ misc

    public ActorSelection ActorSelection(string path) => Runtime.ActorSelection.Create(System, this, path);

    public LoggingAdapter GetLogger() =>
        _log ??= new LoggingAdapter(System.EventStream, System.LoggerFactory, _self.Path.ToString(), Props.Type);

    private void LogError(Exception ex, string message) =>
        LoggingAdapter.Emit(System.EventStream, System.Log, Microsoft.Extensions.Logging.LogLevel.Error, ex, _self.Path.ToString(), Props.Type, message);

    private sealed class ChildEntry(LocalActorRef child)
    {
        public LocalActorRef Ref { get; } = child;

        public ChildRestartStats Stats { get; } = new(child);

        public bool Stopping { get; set; }
    }

    /// <summary>Posts await continuations of a ReceiveAsync handler back into the actor as system messages.</summary>
    private sealed class ActorSynchronizationContext(ActorCell cell, Envelope envelope) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) =>
            cell.SelfRef.SendSystemMessage(new RunContinuation(d, state, envelope));

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("Synchronous Send into an actor is not supported");

        public override SynchronizationContext CreateCopy() => this;
    }
}

/// <summary>The scheduled receive-timeout tick; current only if its generation matches.</summary>
internal sealed class ReceiveTimeoutTick(int generation) : IAutoReceivedMessage, INotInfluenceReceiveTimeout
{
    public int Generation { get; } = generation;
}
