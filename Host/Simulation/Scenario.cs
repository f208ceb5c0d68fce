using VSwarm.Actors.Config;
using VSwarm.Actors.Traffic;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Host.Simulation;

/// <summary>
/// A loaded and validated simulation: the bridges (as <see cref="VSwarmOptions"/>, links filled
/// in on both sides), each bridge's rules, the traffic sources and when to stop.
/// </summary>
/// <param name="Name">Scenario name.</param>
/// <param name="Description">One or two sentences for the user (may be empty).</param>
/// <param name="Source">Where it came from: the file path, or <c>&lt;default&gt;</c>.</param>
/// <param name="Duration">How long traffic runs (null: until <paramref name="PacketLimit"/> packets).</param>
/// <param name="PacketLimit">Stop after this many packets in total (null: no limit).</param>
/// <param name="Options">The bridges, validated like vswarm.json.</param>
/// <param name="Flows">Per bridge: its OpenFlow rules (empty when it has no flow file).</param>
/// <param name="FlowSources">Per bridge: where its rules came from (file path or a description).</param>
/// <param name="Traffic">The traffic sources.</param>
internal sealed record Scenario(
    string Name,
    string Description,
    string Source,
    TimeSpan? Duration,
    long? PacketLimit,
    VSwarmOptions Options,
    IReadOnlyDictionary<string, IReadOnlyList<OpenFlowRule>> Flows,
    IReadOnlyDictionary<string, string> FlowSources,
    IReadOnlyList<TrafficSource> Traffic)
{
    /// <summary>The default duration when a scenario gives neither duration nor packets.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(10);

    /// <summary>Total rules over all bridges.</summary>
    public int RuleCount => Flows.Values.Sum(f => f.Count);
}

/// <summary>How a traffic source picks the next flow.</summary>
internal enum FlowDistribution
{
    /// <summary>Zipf: p(k) ∝ 1/(k+1)^exponent (a few elephants, many mice).</summary>
    Zipf,

    /// <summary>Every flow equally likely.</summary>
    Uniform,
}

/// <summary>One traffic source: packets of <see cref="FlowCount"/> distinct flows entering a bridge.</summary>
/// <param name="Name">A label (default <c>&lt;bridge&gt;-src&lt;i&gt;</c>).</param>
/// <param name="Bridge">The bridge the packets enter.</param>
/// <param name="Rate">Packets per second.</param>
/// <param name="FlowCount">Distinct flows.</param>
/// <param name="Distribution">How flows are drawn.</param>
/// <param name="Exponent">Zipf exponent (ignored for uniform).</param>
/// <param name="Spec">Ports, protocols, prefixes, destination ports, frame size.</param>
/// <param name="Seed">Seed of the flow set and of the draws.</param>
internal sealed record TrafficSource(
    string Name,
    string Bridge,
    double Rate,
    int FlowCount,
    FlowDistribution Distribution,
    double Exponent,
    FlowSetSpec Spec,
    int Seed)
{
    /// <summary>The sampler for this source (uniform = exponent 0).</summary>
    public ZipfSampler CreateSampler() => new(FlowCount, Distribution == FlowDistribution.Zipf ? Exponent : 0);
}

/// <summary>A scenario that cannot be loaded; <see cref="Exception.Message"/> names the file, the line and the problem (one per line).</summary>
internal sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception from its errors.</summary>
    public ScenarioException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public ScenarioException()
        : this(["invalid scenario"])
    {
    }

    /// <summary>Creates the exception with one error.</summary>
    public ScenarioException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with one error and a cause.</summary>
    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>The errors, each <c>file:line: problem</c> (or <c>file:line:column: problem</c> for a flow file).</summary>
    public IReadOnlyList<string> Errors { get; } = [];
}
