using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using Xunit.Abstractions;

namespace VSwarm.TestKit;

/// <summary>
/// Akka.TestKit.Xunit2's <c>TestKit</c>: derive your xunit test class from it. Every test gets a fresh
/// <see cref="ActorSystem"/> named "test" (xunit builds one class instance per test); Dispose shuts it
/// down. <see cref="TestKitBase.TestActor"/> is the implicit sender of <c>Tell(msg)</c> calls in the test
/// body unless the class implements <see cref="INoImplicitSender"/>. With an
/// <see cref="ITestOutputHelper"/>, log events (except those muted by an EventFilter) go to the test output.
/// <para>
/// Virtual time: pass <c>new TestKitSettings { VirtualTime = true }</c>; the system then runs on a
/// <see cref="VirtualTimeScheduler"/> (<see cref="Scheduler"/>). Timers, receive timeouts and Ask
/// timeouts fire only inside <see cref="AdvanceTime"/>, in due-time order, on the test thread; the
/// resulting messages are then processed by the actor threads, so follow an advance with ExpectMsg (which
/// waits in real time). Make sure the actor has processed whatever starts the timer (e.g. wait for a
/// reply or use <see cref="AwaitTimers"/>) before advancing, or the timer does not exist yet.
/// </para>
/// </summary>
public class TestKit : TestKitBase, IDisposable
{
    private readonly ITestOutputHelper? _output;
    private readonly TestEventListener _listener;
    private readonly IDisposable _subscription;
    private bool _disposed;

    /// <summary>A fresh system with default settings.</summary>
    public TestKit(ITestOutputHelper? output = null)
        : this(new TestKitSettings(), output)
    {
    }

    /// <summary>A fresh system with the given settings.</summary>
    public TestKit(TestKitSettings settings, ITestOutputHelper? output = null)
        : this(CreateSystem(settings), settings, output)
    {
    }

    /// <summary>Uses an existing system (it is still shut down on Dispose).</summary>
    public TestKit(ActorSystem system, ITestOutputHelper? output = null)
        : this(system, new TestKitSettings(), output)
    {
    }

    private TestKit(ActorSystem system, TestKitSettings settings, ITestOutputHelper? output)
        : base(system, settings)
    {
        _output = output;
        _listener = new TestEventListener(WriteOutput);
        _subscription = system.EventStream.Subscribe<object>(_listener.OnEvent);
        EventFilter = new EventFilterFactory(this, _listener);
        if (this is not INoImplicitSender)
        {
            ActorRefs.AmbientSender.Value = TestActor;
        }
    }

    /// <summary>Event filters (Akka's <c>EventFilter</c>): expect or mute log events and dead letters.</summary>
    public EventFilterFactory EventFilter { get; }

    /// <summary>The virtual-time scheduler (only with <see cref="TestKitSettings.VirtualTime"/>).</summary>
    public VirtualTimeScheduler Scheduler => Sys.Scheduler as VirtualTimeScheduler
        ?? throw new InvalidOperationException("This TestKit does not run on virtual time; use new TestKitSettings { VirtualTime = true }");

    /// <summary>Advances virtual time by <paramref name="by"/>, firing what falls due (in order, on this thread).</summary>
    public void AdvanceTime(TimeSpan by) => Scheduler.Advance(by);

    /// <summary>
    /// Waits (real time) until at least <paramref name="count"/> scheduled actions are pending on the virtual
    /// scheduler, i.e. actors have started the timers a test is about to advance past.
    /// </summary>
    public void AwaitTimers(int count = 1, TimeSpan? max = null) =>
        AwaitCondition(() => Scheduler.PendingCount >= count, max, TimeSpan.FromMilliseconds(5), $"{count} pending timer(s)");

    /// <summary>Creates a probe: an extra TestActor with its own queue and Within deadline.</summary>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, TestKitSettings, name);

    /// <summary>Terminates <paramref name="system"/> (default: Sys) and waits min(dilated duration, 10 s).</summary>
    public void Shutdown(ActorSystem? system = null, TimeSpan? duration = null, bool verifySystemShutdown = false)
    {
        var sys = system ?? Sys;
        var wait = Dilated(duration ?? TimeSpan.FromSeconds(5));
        if (wait > TimeSpan.FromSeconds(10))
        {
            wait = TimeSpan.FromSeconds(10);
        }

        var done = sys.Terminate().Wait(wait);
        if (!done && verifySystemShutdown)
        {
            throw new Xunit.Sdk.XunitException($"Failed to stop [{sys.Name}] within [{wait}]");
        }
    }

    /// <summary>Runs before the system is shut down in Dispose.</summary>
    protected virtual void AfterAll()
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs AfterAll, then shuts the system down.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        try
        {
            AfterAll();
        }
        finally
        {
            Shutdown();
            _subscription.Dispose();
            if (ReferenceEquals(ActorRefs.AmbientSender.Value, TestActor))
            {
                ActorRefs.AmbientSender.Value = null;
            }
        }
    }

    private static ActorSystem CreateSystem(TestKitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.SystemOptions ?? new ActorSystemOptions();
        if (settings.VirtualTime && options.Scheduler is null)
        {
            options = options with { Scheduler = new VirtualTimeScheduler() };
        }

        return ActorSystem.Create(settings.SystemName, options);
    }

    private void WriteOutput(LogEvent e)
    {
        if (_output is null)
        {
            return;
        }

        try
        {
            _output.WriteLine(e.ToString());
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }
}

/// <summary>
/// Akka.TestKit's <c>TestProbe</c>: a second TestActor (<see cref="Ref"/>) with the full expectation API,
/// plus <see cref="Reply"/>, <see cref="Forward"/> and <see cref="Send"/>.
/// </summary>
public sealed class TestProbe : TestKitBase
{
    private static int s_counter;

    internal TestProbe(ActorSystem system, TestKitSettings settings, string? name)
        : base(system, settings, (name ?? "testProbe") + "-" + Interlocked.Increment(ref s_counter).ToString(System.Globalization.CultureInfo.InvariantCulture))
    {
    }

    /// <summary>The probe's actor.</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Sender of the last received message.</summary>
    public IActorRef Sender => LastSender;

    /// <summary>Replies to the sender of the last received message, with the probe as sender.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Forwards the last received message (or <paramref name="message"/>) to <paramref name="target"/>, keeping the original sender.</summary>
    public void Forward(IActorRef target, object? message = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message ?? LastMessage ?? throw new InvalidOperationException("No message received yet"), LastSender);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, Ref);
    }

    /// <summary>Tells the probe's actor a message (convenience, as <c>probe.Ref.Tell</c>).</summary>
    public void Tell(object message, IActorRef? sender = null) => Ref.Tell(message, sender);

    /// <inheritdoc />
    public override string ToString() => $"TestProbe({Ref.Path})";
}
