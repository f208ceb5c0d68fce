using System.Diagnostics;
using Xunit;

namespace VSwarm.Tests.Unit.Oracle;

/// <summary>
/// Re-runs the real Open vSwitch 3.1 on the recorded classifier cases and checks that it still
/// answers exactly what tests/Golden/Classifier holds, so the goldens the differential tests use
/// are real OVS output. Needs openvswitch-switch, which ./test.sh installs.
/// </summary>
public class LiveOvsTests
{
    [Theory]
    [MemberData(nameof(ClassifierOracleTests.Cases), MemberType = typeof(ClassifierOracleTests))]
    public async Task Recorded_classifier_goldens_are_what_ovs_3_1_answers(string name)
    {
        Assert.True(File.Exists("/usr/sbin/ovs-vswitchd"), "openvswitch-switch is not installed (./test.sh installs it)");
        var rules = RepoPaths.Golden("Classifier", name + ".rules");
        var packets = RepoPaths.Golden("Classifier", name + ".packets");
        var psi = new ProcessStartInfo("python3", [RepoPaths.Oracle("ovs_trace.py"), rules, packets])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"ovs_trace.py failed: {await stderr}");
        var expected = File.ReadAllLines(RepoPaths.Golden("Classifier", name + ".expected")).Where(l => l.Length > 0).ToArray();
        var actual = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, actual);
    }
}
