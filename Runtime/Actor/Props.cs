using System.Linq.Expressions;
using System.Reflection;

namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>Props</c>: an immutable recipe for an actor (type, constructor arguments, supervisor
/// strategy, mailbox). <see cref="Create{TActor}(Expression{Func{TActor}})"/> takes an expression, as Akka
/// does, so the constructor arguments are evaluated once when the Props is made and every incarnation
/// (including restarts) is built with the same values. Deviations: no dispatchers, routers or deploy.
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type type, Func<ActorBase> factory, IReadOnlyList<object?> arguments, SupervisorStrategy? strategy, MailboxOptions mailbox)
    {
        Type = type;
        _factory = factory;
        Arguments = arguments;
        SupervisorStrategy = strategy;
        Mailbox = mailbox;
    }

    /// <summary>The actor type.</summary>
    public Type Type { get; }

    /// <summary>Constructor arguments captured when the Props was made.</summary>
    public IReadOnlyList<object?> Arguments { get; }

    /// <summary>The strategy this actor uses for its children (overrides the actor's own SupervisorStrategy()).</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>The mailbox kind.</summary>
    public MailboxOptions Mailbox { get; }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<TActor>()
        where TActor : ActorBase, new() =>
        new(typeof(TActor), static () => new TActor(), [], null, MailboxOptions.Unbounded);

    /// <summary>Props from a <c>() =&gt; new MyActor(a, b)</c> expression; the arguments are captured now.</summary>
    public static Props Create<TActor>(Expression<Func<TActor>> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (factory.Body is NewExpression { Constructor: { } ctor } ne)
        {
            var args = ne.Arguments.Select(Evaluate).ToArray();
            return new Props(typeof(TActor), () => (ActorBase)Construct(ctor, args), args, null, MailboxOptions.Unbounded);
        }

        // Not a plain constructor call (e.g. a factory method): evaluate the expression per incarnation.
        var compiled = factory.Compile();
        return new Props(typeof(TActor), compiled, [], null, MailboxOptions.Unbounded);
    }

    /// <summary>Props for <paramref name="actorType"/> with the given constructor arguments.</summary>
    public static Props Create(Type actorType, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        if (!typeof(ActorBase).IsAssignableFrom(actorType))
        {
            throw new ArgumentException($"{actorType} is not an actor type", nameof(actorType));
        }

        var captured = args.ToArray();
        return new Props(actorType, () => (ActorBase)Activator.CreateInstance(actorType, captured)!, captured, null, MailboxOptions.Unbounded);
    }

    /// <summary>A copy using <paramref name="strategy"/> to supervise this actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) =>
        new(Type, _factory, Arguments, strategy ?? throw new ArgumentNullException(nameof(strategy)), Mailbox);

    /// <summary>A copy with another mailbox (e.g. <see cref="MailboxOptions.Bounded"/>).</summary>
    public Props WithMailbox(MailboxOptions mailbox) =>
        new(Type, _factory, Arguments, SupervisorStrategy, mailbox ?? throw new ArgumentNullException(nameof(mailbox)));

    /// <summary>A copy with a bounded mailbox of <paramref name="capacity"/> messages.</summary>
    public Props WithBoundedMailbox(int capacity) => WithMailbox(MailboxOptions.Bounded(capacity));

    internal ActorBase NewActor() => _factory();

    private static object? Evaluate(Expression e) => e switch
    {
        ConstantExpression c => c.Value,
        MemberExpression { Expression: ConstantExpression c, Member: FieldInfo f } => f.GetValue(c.Value),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(e, typeof(object))).Compile()(),
    };

    private static object Construct(ConstructorInfo ctor, object?[] args)
    {
        try
        {
            return ctor.Invoke(args);
        }
        catch (TargetInvocationException tie) when (tie.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(tie.InnerException).Throw();
            throw;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Props({Type.Name})";
}
