namespace VSwarm.Runtime;

/// <summary>Akka's <c>Receive</c> delegate: a behaviour; returns false when the message was not handled.</summary>
public delegate bool Receive(object message);

/// <summary>
/// Akka's <c>ActorBase</c>: the base of every actor. Create actors only through <see cref="Props"/>
/// (a <c>new</c> outside Props throws, as Akka's AK1000 rule demands). Lifecycle hooks and their defaults
/// follow Akka: <see cref="PreRestart"/> stops all children and calls <see cref="PostStop"/>;
/// <see cref="PostRestart"/> calls <see cref="PreStart"/>. Deviation: <see cref="Context"/> is an
/// instance property (it still works only while the actor is processing).
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    /// <summary>Binds the new instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.Creating ?? throw new ActorInitializationException(
            $"Do not create actor {GetType().Name} with 'new'; use Props.Create and ActorOf.");
    }

    /// <summary>The actor's context (Akka's <c>Context</c>).</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's ref.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>Sender of the message being processed (Nobody when there was none).</summary>
    protected IActorRef Sender => _cell.Sender;

    internal ActorCell Cell => _cell;

    /// <summary>The behaviour the actor starts with.</summary>
    protected abstract bool Receive(object message);

    /// <summary>Called when the actor starts (and, by default, after a restart).</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Called after the actor stopped (children already stopped).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Called on the failed instance before a restart. Default: stop all children, then PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Called on the fresh instance after a restart. Default: PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>
    /// Called for a message no behaviour handled. An unhandled <see cref="Terminated"/> throws
    /// <see cref="DeathPactException"/>; anything else is published as <see cref="UnhandledMessage"/>.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated t)
        {
            throw new DeathPactException(t.ActorRef);
        }

        _cell.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));
    }

    /// <summary>The strategy applied to this actor's children (Props.WithSupervisorStrategy wins over it).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Runtime.SupervisorStrategy.DefaultStrategy;

    /// <summary>Replaces the current behaviour (Akka's <c>Become</c>).</summary>
    protected void Become(Receive receive) => _cell.Become(receive);

    /// <summary>Pushes a behaviour (Akka's <c>BecomeStacked</c>).</summary>
    protected void BecomeStacked(Receive receive) => _cell.BecomeStacked(receive);

    /// <summary>Pops the behaviour pushed last (Akka's <c>UnbecomeStacked</c>).</summary>
    protected void UnbecomeStacked() => _cell.UnbecomeStacked();

    /// <summary>Sets or clears (null) the receive timeout.</summary>
    protected void SetReceiveTimeout(TimeSpan? timeout) => _cell.SetReceiveTimeout(timeout);

    internal bool AroundReceive(object message) => Receive(message);

    internal void AroundPreStart() => PreStart();

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void AroundPostRestart(Exception reason) => PostRestart(reason);

    internal void AroundUnhandled(object message) => Unhandled(message);

    internal SupervisorStrategy AroundSupervisorStrategy() => SupervisorStrategy();

    /// <summary>Called by the cell once the constructor has returned.</summary>
    internal virtual void OnConstructed()
    {
    }
}

/// <summary>Akka's <c>UntypedActor</c>: one <see cref="OnReceive"/> method; call <see cref="ActorBase.Unhandled"/> yourself.</summary>
public abstract class UntypedActor : ActorBase
{
    /// <summary>Handles every message.</summary>
    protected abstract void OnReceive(object message);

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Replaces the behaviour with another OnReceive-style method.</summary>
    protected void Become(Action<object> receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        Become(m =>
        {
            receive(m);
            return true;
        });
    }
}
