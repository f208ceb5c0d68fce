using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VSwarm.Runtime.Event;

namespace VSwarm.Runtime;

/// <summary>
/// Settings of an <see cref="ActorSystem"/> (stand-in for Akka's HOCON config). Deviation: code
/// settings only; the host may bind them from Microsoft.Extensions.Configuration.
/// </summary>
public sealed record ActorSystemOptions
{
    /// <summary>The scheduler; default a new <see cref="RealTimeScheduler"/> owned (and disposed) by the system.</summary>
    public IScheduler? Scheduler { get; init; }

    /// <summary>Logging; default <see cref="NullLoggerFactory"/> (log events still reach the EventStream).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>User messages an actor processes before yielding its thread (Akka's dispatcher throughput, 30).</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>Default Ask timeout when none is given (Akka: infinite).</summary>
    public TimeSpan? AskTimeout { get; init; }

    /// <summary>How many dead letters are logged before going quiet (Akka's log-dead-letters = 10).</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary>Whether dead letters are logged during shutdown (Akka: off).</summary>
    public bool LogDeadLettersDuringShutdown { get; init; }

    /// <summary>Supervisor strategy of the /user guardian (for top-level actors); default: <see cref="SupervisorStrategy.DefaultStrategy"/>.</summary>
    public SupervisorStrategy? GuardianSupervisorStrategy { get; init; }
}

/// <summary>
/// Akka's <c>ActorSystem</c>: the root of a hierarchy (<c>/user</c> for application actors, <c>/system</c>
/// for runtime and test actors), with its scheduler, event stream, dead letters and logging.
/// </summary>
public sealed class ActorSystem : IDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsScheduler;
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly DeadLetterActorRef _deadLetters;
    private readonly LoggingAdapter _deadLetterLog;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, InternalActorRef> _temps = new(StringComparer.Ordinal);
    private Func<ActorPath, IActorRef?>? _externalResolver;
    private long _tempCounter;
    private long _deadLetterCount;
    private int _terminating;

    private ActorSystem(string name, ActorSystemOptions options)
    {
        Name = name;
        Options = options;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Log = LoggerFactory.CreateLogger("VSwarm.Runtime.ActorSystem");
        _ownsScheduler = options.Scheduler is null;
        Scheduler = options.Scheduler ?? new RealTimeScheduler();
        EventStream = new EventStream();
        var rootPath = new ActorPath(name, []);
        _deadLetters = new DeadLetterActorRef(this, rootPath.Child("deadLetters"));
        _deadLetterLog = new LoggingAdapter(EventStream, LoggerFactory, _deadLetters.Path.ToString(), typeof(Event.DeadLetter));
        if (Scheduler is SchedulerBase sb)
        {
            sb.ActionFailed += (_, ex) => LoggingAdapter.Emit(EventStream, Log, LogLevel.Error, ex, "scheduler", typeof(IScheduler), $"Scheduled action failed: {ex.Message}");
        }

        var bubble = new BubbleWalker(this, rootPath.Child("bubble-walker"));
        _root = new ActorCell(this, rootPath, Props.Create(() => new GuardianActor()).WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy), bubble);
        _root.Start();
        _userGuardian = ((LocalActorRef)_root.ActorOf(
            Props.Create(() => new GuardianActor()).WithSupervisorStrategy(options.GuardianSupervisorStrategy ?? SupervisorStrategy.DefaultStrategy), "user")).Cell;
        _systemGuardian = ((LocalActorRef)_root.ActorOf(Props.Create(() => new GuardianActor()), "system")).Cell;
    }

    /// <summary>The system's name (the authority part of every actor path).</summary>
    public string Name { get; }

    /// <summary>The options the system was created with.</summary>
    public ActorSystemOptions Options { get; }

    /// <summary>The scheduler (real or virtual time).</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The system's event stream (dead letters, log events, user events).</summary>
    public EventStream EventStream { get; }

    /// <summary>The dead-letter ref: messages told to it are published as <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters => _deadLetters;

    /// <summary>The logger factory given in the options.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The system's logger.</summary>
    public ILogger Log { get; }

    /// <summary>Completes when the system has terminated.</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary>True once <see cref="Terminate"/> was called.</summary>
    public bool IsTerminating => Volatile.Read(ref _terminating) != 0;

    internal ActorCell RootCell => _root;

    internal ActorCell UserGuardian => _userGuardian;

    internal ActorCell SystemGuardian => _systemGuardian;

    /// <summary>Creates an actor system.</summary>
    public static ActorSystem Create(string name, ActorSystemOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!char.IsAsciiLetterOrDigit(name[0]) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')))
        {
            throw new ArgumentException($"Invalid actor system name [{name}]: use ASCII letters, digits, '-' and '_'", nameof(name));
        }

        return new ActorSystem(name, options ?? new ActorSystemOptions());
    }

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Creates an actor under <c>/system</c> (runtime and test infrastructure).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    /// <summary>Selects actors by absolute path ("/user/a/b" or "vswarm://sys/user/a/b"; '*' and '?' wildcards allowed).</summary>
    public ActorSelection ActorSelection(string path) => Runtime.ActorSelection.Create(this, _root, path);

    /// <summary>
    /// Finds the live local actor (or pending Ask's temp ref) at <paramref name="path"/>: the path must
    /// name this system and no wildcards. This is how a node link delivers a message that arrived
    /// for <c>vswarm://node/user/...</c> (Akka's <c>IActorRefProvider.ResolveActorRef</c>, local part).
    /// </summary>
    public bool TryResolveLocal(ActorPath path, out IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(path);
        actor = ActorRefs.Nobody;
        if (!string.Equals(path.SystemName, Name, StringComparison.Ordinal) || path.Elements.Count == 0)
        {
            return false;
        }

        if (path.Elements.Count == 2 && path.Elements[0] == "temp")
        {
            if (_temps.TryGetValue(path.Elements[1], out var temp) && !temp.IsTerminated)
            {
                actor = temp;
                return true;
            }

            return false;
        }

        var cell = _root;
        foreach (var element in path.Elements)
        {
            if (cell.GetChild(element) is not { } child)
            {
                return false;
            }

            cell = child.Cell;
        }

        if (cell.IsTerminated)
        {
            return false;
        }

        actor = cell.Self;
        return true;
    }

    /// <summary>
    /// Installs the hook that turns paths of other systems (other nodes) into refs; a node's
    /// remoting sets it once. <see cref="ResolveActorRef"/> and <see cref="ActorSelection(string)"/> of a
    /// foreign path go through it.
    /// </summary>
    public void SetExternalResolver(Func<ActorPath, IActorRef?>? resolver) => Volatile.Write(ref _externalResolver, resolver);

    /// <summary>
    /// Resolves a path to a ref: a local actor of this system, else a ref from the external resolver
    /// (another node), else <see cref="DeadLetters"/> (Akka's <c>ResolveActorRef</c>).
    /// </summary>
    public IActorRef ResolveActorRef(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.Equals(path.SystemName, Name, StringComparison.Ordinal))
        {
            return TryResolveLocal(path, out var local) ? local : DeadLetters;
        }

        return Volatile.Read(ref _externalResolver)?.Invoke(path) ?? DeadLetters;
    }

    internal IActorRef? ResolveExternal(ActorPath path) => Volatile.Read(ref _externalResolver)?.Invoke(path);

    internal void RegisterTemp(InternalActorRef temp) => _temps[temp.Path.Name] = temp;

    internal void UnregisterTemp(InternalActorRef temp) => _temps.TryRemove(temp.Path.Name, out _);

    /// <summary>Stops the actor asynchronously (a system message, so it overtakes queued user messages).</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is InternalActorRef r && ReferenceEquals(r.System, this))
        {
            r.SendSystemMessage(Runtime.Terminate.Instance);
        }
    }

    /// <summary>Stops all actors (children first), then completes <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminating, 1) == 0)
        {
            _root.SelfRef.SendSystemMessage(Runtime.Terminate.Instance);
        }

        return WhenTerminated;
    }

    /// <summary>Terminates and waits up to 10 s.</summary>
    public void Dispose() => Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <inheritdoc />
    public override string ToString() => $"ActorSystem({Name})";

    internal ActorPath NewTempPath() =>
        new ActorPath(Name, ["temp", "$" + Interlocked.Increment(ref _tempCounter).ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    internal void DeadLetter(object message, IActorRef sender, IActorRef recipient)
    {
        if (message is Event.DeadLetter or LogEvent)
        {
            return; // never loop: an undeliverable event is simply dropped
        }

        EventStream.Publish(new Event.DeadLetter(message, sender, recipient));
        if (message is IDeadLetterSuppression || (IsTerminating && !Options.LogDeadLettersDuringShutdown))
        {
            return;
        }

        var n = Interlocked.Increment(ref _deadLetterCount);
        var limit = Options.LogDeadLetters;
        if (n <= limit)
        {
            var tail = n == limit ? " No more dead letters will be logged." : string.Empty;
            _deadLetterLog.Info(
                "Message [{0}] from {1} to {2} was not delivered. [{3}] dead letters encountered.{4}",
                message.GetType().Name, sender.Path, recipient.Path, n, tail);
        }
    }

    private void OnRootTerminated()
    {
        if (_ownsScheduler && Scheduler is IDisposable d)
        {
            d.Dispose();
        }

        _terminated.TrySetResult();
    }

    private sealed class GuardianActor : ActorBase
    {
        protected override bool Receive(object message) => message is Terminated;
    }

    /// <summary>The root guardian's parent: stops the root on failure and completes termination.</summary>
    private sealed class BubbleWalker(ActorSystem owner, ActorPath path) : InternalActorRef(path, 0, owner)
    {
        public override void Tell(object message, IActorRef? sender)
        {
        }

        internal override void SendSystemMessage(SystemMessage message)
        {
            switch (message)
            {
                case Failed f:
                    ((InternalActorRef)f.Child).SendSystemMessage(Runtime.Terminate.Instance);
                    break;
                case DeathWatchNotification:
                    Interlocked.Exchange(ref System!._terminating, 1);
                    System.OnRootTerminated();
                    break;
            }
        }
    }
}

/// <summary>Akka's <c>DeadLetterActorRef</c>: everything told to it is published as a dead letter.</summary>
internal sealed class DeadLetterActorRef(ActorSystem owner, ActorPath path) : InternalActorRef(path, 0, owner)
{
    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is DeadLetter d)
        {
            System!.EventStream.Publish(d);
            return;
        }

        System!.DeadLetter(message, sender ?? ActorRefs.Nobody, this);
    }

    internal override void SendSystemMessage(SystemMessage message) => ReplyTerminatedToWatch(message, false);
}
