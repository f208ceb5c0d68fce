namespace VSwarm.Runtime;

/// <summary>Marker (Akka's <c>IAutoReceivedMessage</c>): handled by the runtime before the actor's behaviour.</summary>
#pragma warning disable CA1040 // Marker interfaces mirror Akka's message classification.
public interface IAutoReceivedMessage
{
}

/// <summary>Marker (Akka's <c>IPossiblyHarmful</c>): a message that can stop or break an actor.</summary>
public interface IPossiblyHarmful
{
}

/// <summary>Marker (Akka's <c>INotInfluenceReceiveTimeout</c>): does not reset the receive timeout.</summary>
public interface INotInfluenceReceiveTimeout
{
}

/// <summary>Marker (Akka's <c>IDeadLetterSuppression</c>): published as a dead letter but never logged.</summary>
public interface IDeadLetterSuppression
{
}
#pragma warning restore CA1040

/// <summary>Akka's <c>PoisonPill</c>: an ordinary queued message that stops the actor when processed.</summary>
public sealed class PoisonPill : IAutoReceivedMessage, IPossiblyHarmful, IDeadLetterSuppression
{
    private PoisonPill()
    {
    }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<PoisonPill>";
}

/// <summary>Akka's <c>Kill</c>: makes the actor throw <see cref="ActorKilledException"/> (default decider: Stop).</summary>
public sealed class Kill : IAutoReceivedMessage, IPossiblyHarmful
{
    private Kill()
    {
    }

    /// <summary>The single instance.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<Kill>";
}

/// <summary>Akka's <c>Identify</c>: every actor answers with <see cref="ActorIdentity"/>.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

/// <summary>Akka's <c>ActorIdentity</c>: the answer to <see cref="Identify"/>; Subject is null when nothing was found.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>
/// Akka's <c>Terminated</c>: delivered to watchers after the watched actor stopped.
/// <see cref="AddressTerminated"/> is set when a whole node was declared gone.
/// </summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated)
    : IAutoReceivedMessage, IPossiblyHarmful, IDeadLetterSuppression;

/// <summary>Akka's <c>ReceiveTimeout</c>: sent when the actor was idle for the time set with SetReceiveTimeout.</summary>
public sealed class ReceiveTimeout : IPossiblyHarmful
{
    private ReceiveTimeout()
    {
    }

    /// <summary>The single instance.</summary>
    public static ReceiveTimeout Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Akka's <c>Status</c>: Success/Failure replies; a Failure reply faults an Ask task.</summary>
public abstract record Status
{
#pragma warning disable CA1034 // Nested types keep Akka's Status.Success / Status.Failure names.
    /// <summary>A successful outcome carrying an optional value.</summary>
    public sealed record Success(object? Status) : global::VSwarm.Runtime.Status;

    /// <summary>A failed outcome; as an Ask reply it faults the task with <see cref="Cause"/>.</summary>
    public sealed record Failure(Exception Cause, object? State = null) : global::VSwarm.Runtime.Status;
#pragma warning restore CA1034
}

/// <summary>Published on the EventStream when an actor did not handle a message (Akka's <c>UnhandledMessage</c>).</summary>
public sealed record UnhandledMessage(object Message, IActorRef Sender, IActorRef Recipient);
