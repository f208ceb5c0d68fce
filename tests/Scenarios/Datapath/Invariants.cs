using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Checks a bridge's datapath against its tables (call after a revalidation round that followed the last flow-mod).</summary>
public static class Invariants
{
    /// <summary>No two megaflows of one shard overlap (some packet would match both).</summary>
    public static void NoOverlap(DatapathFlowsDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        for (var s = 0; s < dump.Flows.Length; s++)
        {
            var flows = dump.Flows[s];
            for (var i = 0; i < flows.Length; i++)
            {
                for (var j = i + 1; j < flows.Length; j++)
                {
                    Assert.False(flows[i].Match.Overlaps(flows[j].Match),
                        $"shard {s}: megaflows overlap:\n  {dump.Shards[s][i]}\n  {dump.Shards[s][j]}");
                }
            }
        }
    }

    /// <summary>Every megaflow's actions equal a fresh translation of its key at the current tables version.</summary>
    public static void ActionsMatchTranslation(DatapathFlowsDump dump, BridgeRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(runtime);
        var version = runtime.State.Tables.Version;
        for (var s = 0; s < dump.Flows.Length; s++)
        {
            for (var i = 0; i < dump.Flows[s].Length; i++)
            {
                var f = dump.Flows[s][i];
                var xr = runtime.Translator.Translate(f.Match.Key, version);
                Assert.True(xr.Actions == f.Actions, $"shard {s}: stale actions (fresh: {xr.Actions}):\n  {dump.Shards[s][i]}");
            }
        }
    }

    /// <summary>Both invariants.</summary>
    public static void All(DatapathFlowsDump dump, BridgeRuntime runtime)
    {
        NoOverlap(dump);
        ActionsMatchTranslation(dump, runtime);
    }
}
