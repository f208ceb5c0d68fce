namespace VSwarm.Runtime;

/// <summary>A message on the system queue; drained before user messages (Akka's <c>ISystemMessage</c>).</summary>
internal abstract class SystemMessage
{
}

internal sealed class Create : SystemMessage
{
    public static readonly Create Instance = new();
}

internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

internal sealed class Suspend : SystemMessage
{
    public static readonly Suspend Instance = new();
}

internal sealed class Resume(Exception? cause) : SystemMessage
{
    public Exception? Cause { get; } = cause;
}

internal sealed class Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}

internal sealed class Watch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    public InternalActorRef Watchee { get; } = watchee;

    public InternalActorRef Watcher { get; } = watcher;
}

internal sealed class Unwatch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    public InternalActorRef Watchee { get; } = watchee;

    public InternalActorRef Watcher { get; } = watcher;
}

internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed, bool addressTerminated) : SystemMessage
{
    public IActorRef Actor { get; } = actor;

    public bool ExistenceConfirmed { get; } = existenceConfirmed;

    public bool AddressTerminated { get; } = addressTerminated;
}

internal sealed class Failed(IActorRef child, Exception cause, long uid) : SystemMessage
{
    public IActorRef Child { get; } = child;

    public Exception Cause { get; } = cause;

    public long Uid { get; } = uid;
}

/// <summary>An await continuation of a ReceiveAsync handler, run as the actor.</summary>
internal sealed class RunContinuation(SendOrPostCallback callback, object? state, Envelope envelope) : SystemMessage
{
    public SendOrPostCallback Callback { get; } = callback;

    public object? State { get; } = state;

    public Envelope Envelope { get; } = envelope;
}

/// <summary>The task of a ReceiveAsync handler finished: resume the mailbox, report a fault.</summary>
internal sealed class AsyncCompleted(LocalActorRef target, Task task, object token, int instanceGeneration, Envelope envelope) : SystemMessage
{
    public LocalActorRef Target { get; } = target;

    public Task Task { get; } = task;

    public object Token { get; } = token;

    public int InstanceGeneration { get; } = instanceGeneration;

    public Envelope Envelope { get; } = envelope;
}
