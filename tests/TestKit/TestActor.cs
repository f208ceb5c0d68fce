using System.Collections.Concurrent;
using VSwarm.Runtime;

namespace VSwarm.TestKit;

/// <summary>
/// Akka.TestKit's <c>AutoPilot</c>: runs inside the TestActor for each message it receives (the message is
/// still queued for the test); returns the pilot for the next message.
/// </summary>
public abstract class AutoPilot
{
    /// <summary>Stop piloting.</summary>
    public static AutoPilot NoAutoPilot { get; } = new DelegateAutoPilot((_, _) => NoAutoPilot!);

    /// <summary>Keep the current pilot.</summary>
    public static AutoPilot KeepRunning { get; } = new DelegateAutoPilot((_, _) => KeepRunning!);

    /// <summary>Handles one message; return the pilot for the next one.</summary>
    public abstract AutoPilot Run(IActorRef sender, object message);
}

/// <summary>An <see cref="AutoPilot"/> from a function.</summary>
public sealed class DelegateAutoPilot(Func<IActorRef, object, AutoPilot> run) : AutoPilot
{
    /// <inheritdoc />
    public override AutoPilot Run(IActorRef sender, object message) => run(sender, message);
}

/// <summary>State shared between a TestKitBase and its TestActor.</summary>
internal sealed class TestActorState
{
    public BlockingCollection<MessageEnvelope> Queue { get; } = new(new ConcurrentQueue<MessageEnvelope>());

    public volatile Func<object, bool>? Ignore;

    public volatile AutoPilot? AutoPilot;
}

internal sealed record WatchCommand(IActorRef Target, bool Watch, ManualResetEventSlim Done);

/// <summary>Akka.TestKit's <c>TestActor</c>: queues every message it receives for the test's expectations.</summary>
internal sealed class TestActor : ActorBase
{
    private readonly TestActorState _state;

    public TestActor(TestActorState state) => _state = state;

    protected override bool Receive(object message)
    {
        if (message is WatchCommand w)
        {
            if (w.Watch)
            {
                Context.Watch(w.Target);
            }
            else
            {
                Context.Unwatch(w.Target);
            }

            w.Done.Set();
            return true;
        }

        if (_state.Ignore is { } ignore && ignore(message))
        {
            return true;
        }

        if (_state.AutoPilot is { } pilot && !ReferenceEquals(pilot, AutoPilot.NoAutoPilot))
        {
            var next = pilot.Run(Sender, message);
            if (!ReferenceEquals(next, AutoPilot.KeepRunning))
            {
                _state.AutoPilot = next;
            }
        }

        if (!_state.Queue.IsAddingCompleted)
        {
            try
            {
                _state.Queue.Add(new MessageEnvelope(message, Sender));
            }
            catch (InvalidOperationException)
            {
                // Completed concurrently during shutdown.
            }
        }

        return true;
    }
}
