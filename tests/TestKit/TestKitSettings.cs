using System.Globalization;
using VSwarm.Runtime;

namespace VSwarm.TestKit;

/// <summary>
/// Settings of a <see cref="TestKit"/> (Akka.TestKit's <c>akka.test.*</c> config). The time factor
/// multiplies every timeout (<see cref="TestKitBase.Dilated"/>); it defaults to the environment variable
/// <c>VSWARM_TEST_TIMEFACTOR</c> (1 when unset; test.sh sets 3 for 2-core CI machines).
/// </summary>
public sealed record TestKitSettings
{
    /// <summary>Name of the per-test actor system (Akka: "test").</summary>
    public string SystemName { get; init; } = "test";

    /// <summary>Build the system on a <see cref="VirtualTimeScheduler"/>: timers, receive timeouts and Ask timeouts only move when the test advances time.</summary>
    public bool VirtualTime { get; init; }

    /// <summary>Timeout multiplier (akka.test.timefactor).</summary>
    public double TimeFactor { get; init; } = TimeFactorFromEnvironment();

    /// <summary>Timeout of a single expectation outside Within (akka.test.single-expect-default = 3 s), before dilation.</summary>
    public TimeSpan SingleExpectDefault { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long an EventFilter waits for its events (akka.test.filter-leeway = 3 s), before dilation.</summary>
    public TimeSpan FilterLeeway { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Extra system options (scheduler and logger factory are set by the TestKit unless given here).</summary>
    public ActorSystemOptions? SystemOptions { get; init; }

    /// <summary>Reads VSWARM_TEST_TIMEFACTOR (invariant culture), 1 when unset or invalid.</summary>
    public static double TimeFactorFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("VSWARM_TEST_TIMEFACTOR");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1.0;
    }
}

/// <summary>Marker: test classes implementing it do not get TestActor as implicit sender (Akka's <c>INoImplicitSender</c>).</summary>
#pragma warning disable CA1040 // Marker interface, as in Akka.TestKit.
public interface INoImplicitSender
{
}
#pragma warning restore CA1040

/// <summary>A message received by a TestActor, with its sender (Akka's <c>MessageEnvelope</c>).</summary>
public sealed record MessageEnvelope(object Message, IActorRef Sender);
