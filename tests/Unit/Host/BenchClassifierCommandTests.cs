using System.Text.Json;
using VSwarm.Host.Commands;
using VSwarm.Tests.Unit.Oracle;
using Xunit;

namespace VSwarm.Tests.Unit.Host;

/// <summary>
/// `vswarm bench classifier` on a small ClassBench set of the project's own
/// (tests/Golden/ClassBench/tiny_*: six Song-format filters, a trace whose last column is the
/// 1-based first match, computed by a linear scan when the file was written).
/// </summary>
public class BenchClassifierCommandTests
{
    private static FileInfo Golden(string name) => new(RepoPaths.Golden("ClassBench", name));

    [Fact]
    public void Json_output_has_the_documented_keys_and_the_trace_agrees()
    {
        var output = new StringWriter();
        var rc = BenchClassifierCommand.Run(Golden("tiny_rules"), Golden("tiny_trace"), "nw_dst,nw_src", "json", output, TextWriter.Null);
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        Assert.Equal(
            ["rules", "lookups", "lookups_per_second", "subtables_per_lookup", "megaflows", "masks", "mismatches"],
            root.EnumerateObject().Select(p => p.Name));

        // Filter 2's source ports 1024-65535 become 6 aligned blocks; every other filter 1 match.
        Assert.Equal(11, root.GetProperty("rules").GetInt32());
        Assert.Equal(12, root.GetProperty("lookups").GetInt32());
        Assert.Equal(0, root.GetProperty("mismatches").GetInt32());
        var megaflows = root.GetProperty("megaflows").GetInt32();
        var masks = root.GetProperty("masks").GetInt32();
        Assert.InRange(masks, 1, megaflows);
        Assert.InRange(megaflows, 1, 12);
        Assert.True(root.GetProperty("lookups_per_second").GetDouble() > 0);
    }

    [Fact]
    public void A_wrong_expected_match_is_counted_as_a_mismatch()
    {
        var trace = Path.GetTempFileName();
        try
        {
            var lines = File.ReadAllLines(Golden("tiny_trace").FullName);
            lines[0] = string.Join(' ', lines[0].Split(' ')[..^1]) + " 3";
            File.WriteAllLines(trace, lines);
            var output = new StringWriter();
            Assert.Equal(0, BenchClassifierCommand.Run(Golden("tiny_rules"), new FileInfo(trace), "none", "json", output, TextWriter.Null));
            using var doc = JsonDocument.Parse(output.ToString());
            Assert.Equal(1, doc.RootElement.GetProperty("mismatches").GetInt32());
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public void Bad_input_exits_2_and_names_the_problem()
    {
        var error = new StringWriter();
        Assert.Equal(2, BenchClassifierCommand.Run(Golden("tiny_trace"), Golden("tiny_trace"), "none", "json", TextWriter.Null, error));
        Assert.Contains("ClassBench rule line 1", error.ToString(), StringComparison.Ordinal);

        error = new StringWriter();
        Assert.Equal(2, BenchClassifierCommand.Run(Golden("tiny_rules"), Golden("tiny_trace"), "nw_tos", "json", TextWriter.Null, error));
        Assert.Contains("nw_tos", error.ToString(), StringComparison.Ordinal);
    }
}
