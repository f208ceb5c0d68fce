namespace VSwarm.Runtime;

/// <summary>Akka's <c>Directive</c>: what a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; continue with the next message.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one from the same Props (mailbox and UID kept).</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same cause (its parent decides).</summary>
    Escalate,
}

/// <summary>Akka's <c>IDecider</c>: maps a failure to a directive.</summary>
public interface IDecider
{
    /// <summary>The directive for <paramref name="cause"/>.</summary>
    Directive Decide(Exception cause);
}

/// <summary>Akka's <c>Decider</c> helpers: <c>Decider.From(Directive.Restart, Directive.Stop.When&lt;MyEx&gt;())</c>.</summary>
public static class Decider
{
    /// <summary>First matching (exception type, directive) pair in order wins; otherwise <paramref name="defaultDirective"/>.</summary>
    public static IDecider From(Directive defaultDirective, params KeyValuePair<Type, Directive>[] pairs) =>
        new TypeDecider(defaultDirective, pairs);

    /// <summary>A decider from a function.</summary>
    public static IDecider From(Func<Exception, Directive> decide) => new FuncDecider(decide);

    /// <summary>Pairs an exception type with a directive, for <see cref="From(Directive, KeyValuePair{Type, Directive}[])"/>.</summary>
    public static KeyValuePair<Type, Directive> When<TException>(this Directive directive)
        where TException : Exception => new(typeof(TException), directive);

    private sealed class TypeDecider(Directive defaultDirective, KeyValuePair<Type, Directive>[] pairs) : IDecider
    {
        public Directive Decide(Exception cause)
        {
            foreach (var p in pairs)
            {
                if (p.Key.IsInstanceOfType(cause))
                {
                    return p.Value;
                }
            }

            return defaultDirective;
        }
    }

    private sealed class FuncDecider(Func<Exception, Directive> decide) : IDecider
    {
        public Directive Decide(Exception cause) => decide(cause);
    }
}

/// <summary>
/// Akka's <c>SupervisorStrategy</c>. Restart limits follow Akka's <c>ChildRestartStats</c> (actors-brief
/// §1.2(7)): <c>maxNrOfRetries == 0</c> → never restart; retries without a window → a lifetime count;
/// a window → at most N restarts within a sliding window of that length (N = 1 when retries are
/// unlimited); when permission is refused the child is stopped, not escalated. Windows are measured on
/// the system scheduler's clock (virtual time in virtual-time tests). Deviation: strategies cannot be
/// subclassed outside the runtime; use the two built-in ones with a decider.
/// </summary>
public abstract class SupervisorStrategy
{
    private protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, IDecider decider, bool loggingEnabled)
    {
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange is { } w && w > TimeSpan.Zero && w != Timeout.InfiniteTimeSpan ? w : null;
        Decider = decider ?? throw new ArgumentNullException(nameof(decider));
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Akka's default decider: initialization, kill and death-pact failures stop; anything else restarts.</summary>
    public static IDecider DefaultDecider { get; } = Runtime.Decider.From(ex => ex switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    });

    /// <summary>One-for-one, unlimited restarts, default decider.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>One-for-one that stops every failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Maximum restarts (-1 = unlimited, 0 = never).</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>Window for <see cref="MaxNumberOfRetries"/>, or null for a lifetime count.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>The decider.</summary>
    public IDecider Decider { get; }

    /// <summary>Whether failures are logged (Error; Warning for Resume).</summary>
    public bool LoggingEnabled { get; }

    internal abstract void ProcessFailure(ActorCell cell, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children);

    internal bool RequestRestartPermission(ChildRestartStats stats, TimeSpan now) =>
        stats.RequestRestartPermission(MaxNumberOfRetries, WithinTimeRange, now);
}

/// <summary>Akka's <c>OneForOneStrategy</c>: the directive applies to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with retry limits.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, Runtime.Decider.From(decider), loggingEnabled)
    {
    }

    /// <summary>Creates the strategy with retry limits.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, IDecider decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, null, decider)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(IDecider decider)
        : this(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell cell, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        if (restart && RequestRestartPermission(stats, cell.System.Scheduler.MonotonicClock))
        {
            ActorCell.RestartChild(child, cause, suspendFirst: false);
        }
        else
        {
            cell.StopChild(child);
        }
    }
}

/// <summary>Akka's <c>AllForOneStrategy</c>: the directive applies to all children of the supervisor.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with retry limits.</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, Runtime.Decider.From(decider), loggingEnabled)
    {
    }

    /// <summary>Creates the strategy with retry limits.</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, IDecider decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, null, decider)
    {
    }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(IDecider decider)
        : this(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell cell, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        var now = cell.System.Scheduler.MonotonicClock;
        var permitted = true;
        foreach (var c in children)
        {
            permitted &= RequestRestartPermission(c, now);
        }

        if (restart && permitted)
        {
            foreach (var c in children)
            {
                ActorCell.RestartChild(c.Child, cause, suspendFirst: !c.Child.Equals(child));
            }
        }
        else
        {
            foreach (var c in children)
            {
                cell.StopChild(c.Child);
            }
        }
    }
}

/// <summary>Akka's <c>ChildRestartStats</c>: restart bookkeeping of one child incarnation.</summary>
internal sealed class ChildRestartStats(IActorRef child)
{
    private readonly Queue<TimeSpan> _window = new();
    private int _lifetime;

    public IActorRef Child { get; } = child;

    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan? within, TimeSpan now)
    {
        if (maxNrOfRetries == 0)
        {
            return false;
        }

        if (within is not { } w)
        {
            return maxNrOfRetries < 0 || ++_lifetime <= maxNrOfRetries;
        }

        var limit = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        while (_window.Count > 0 && _window.Peek() <= now - w)
        {
            _window.Dequeue();
        }

        if (_window.Count >= limit)
        {
            return false;
        }

        _window.Enqueue(now);
        return true;
    }
}
