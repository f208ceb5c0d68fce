using System.Collections.Immutable;
using VSwarm.Runtime;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// A supervisor of N like members named <c>&lt;prefix&gt;-0 .. &lt;prefix&gt;-(N-1)</c> (a bridge's
/// <c>datapath</c>, <c>handlers</c> and <c>revalidators</c>). Members are created from a factory
/// once the bridge's context is complete (the bridge publishes it in a
/// <see cref="BridgeContextHolder"/> and sends <see cref="StartMembers"/>; after a restart of the
/// group they are recreated in PreStart); a crashed member restarts (one-for-one, the runtime logs the failure with the
/// member's path). Routes <see cref="ToMember"/> and <see cref="Broadcast"/>; answers
/// <see cref="GetMembers"/>. Messages the group does not know go to dead letters as unhandled.
/// </summary>
public sealed class GroupActor : ReceiveActor
{
    private readonly string _prefix;
    private readonly int _count;
    private readonly Func<BridgeContext, int, Props> _member;
    private readonly BridgeContextHolder _holder;
    private readonly SupervisorStrategy _strategy;
    private ImmutableArray<IActorRef> _members = [];

    /// <summary>Creates the group (use <see cref="Props"/>).</summary>
    public GroupActor(string prefix, int count, Func<BridgeContext, int, Props> member, BridgeContextHolder holder, SupervisorStrategy strategy)
    {
        _holder = holder;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _prefix = prefix;
        _count = count;
        _member = member;
        _strategy = strategy;
        Receive<ToMember>(m =>
        {
            if ((uint)m.Index < (uint)_members.Length)
            {
                _members[m.Index].Forward(m.Message);
            }
            else
            {
                Unhandled(m);
            }
        });
        Receive<Broadcast>(m =>
        {
            foreach (var r in _members)
            {
                r.Forward(m.Message);
            }
        });
        Receive<StartMembers>(_ => StartAll());
        Receive<GetMembers>(_ => Sender.Tell(new Members(_members)));
    }

    /// <summary>The Props of a group.</summary>
    public static Props Props(string prefix, int count, Func<BridgeContext, int, Props> member, BridgeContextHolder holder, SupervisorStrategy strategy) =>
        Runtime.Props.Create(() => new GroupActor(prefix, count, member, holder, strategy));

    /// <inheritdoc/>
    protected override void PreStart()
    {
        if (_holder.Value is not null)
        {
            StartAll();
        }
    }

    private void StartAll()
    {
        if (_members.Length > 0 || _holder.Value is not { } ctx)
        {
            return;
        }

        var b = ImmutableArray.CreateBuilder<IActorRef>(_count);
        for (var i = 0; i < _count; i++)
        {
            b.Add(Context.ActorOf(_member(ctx, i), $"{_prefix}-{i}"));
        }

        _members = b.MoveToImmutable();
    }

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => _strategy;
}

/// <summary>Tells a group that the bridge context is ready: create the members (idempotent).</summary>
public sealed record StartMembers
{
    /// <summary>The instance.</summary>
    public static StartMembers Instance { get; } = new();
}

/// <summary>The bridge's context, published once every sibling ref exists.</summary>
public sealed class BridgeContextHolder
{
    private BridgeContext? _value;

    /// <summary>The context, or null before the bridge published it.</summary>
    public BridgeContext? Value
    {
        get => Volatile.Read(ref _value);
        set => Volatile.Write(ref _value, value);
    }
}
