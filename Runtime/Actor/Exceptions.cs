namespace VSwarm.Runtime;

/// <summary>Base of the runtime's exceptions (Akka's <c>AkkaException</c>).</summary>
public class ActorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ActorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ActorException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Akka's <c>ActorKilledException</c>: thrown by an actor that received <see cref="Kill"/>.</summary>
public class ActorKilledException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public ActorKilledException()
        : base("Kill")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ActorKilledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ActorKilledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Akka's <c>ActorInitializationException</c>: the constructor, PreStart or PostRestart threw.</summary>
public class ActorInitializationException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public ActorInitializationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ActorInitializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ActorInitializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception naming the actor.</summary>
    public ActorInitializationException(IActorRef? actor, string message, Exception? innerException)
        : base(message, innerException)
    {
        Actor = actor;
    }

    /// <summary>The actor that failed to initialize, when known.</summary>
    public IActorRef? Actor { get; }
}

/// <summary>Akka's <c>DeathPactException</c>: an actor did not handle the <see cref="Terminated"/> of an actor it watched.</summary>
public class DeathPactException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public DeathPactException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeathPactException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DeathPactException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the dead actor.</summary>
    public DeathPactException(IActorRef deadActor)
        : base($"Monitored actor [{deadActor}] terminated")
    {
        DeadActor = deadActor;
    }

    /// <summary>The watched actor that terminated.</summary>
    public IActorRef? DeadActor { get; }
}

/// <summary>Akka's <c>AskTimeoutException</c>: no reply arrived within the Ask timeout.</summary>
public class AskTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public AskTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AskTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public AskTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Akka's <c>ActorNotFoundException</c>: an ActorSelection resolved to nothing.</summary>
public class ActorNotFoundException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public ActorNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ActorNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ActorNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Akka's <c>InvalidActorNameException</c>: the name is malformed or already taken.</summary>
public class InvalidActorNameException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public InvalidActorNameException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidActorNameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public InvalidActorNameException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Akka's <c>IllegalActorStateException</c>, e.g. stashing the same message twice.</summary>
public class IllegalActorStateException : ActorException
{
    /// <summary>Creates the exception.</summary>
    public IllegalActorStateException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IllegalActorStateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public IllegalActorStateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
