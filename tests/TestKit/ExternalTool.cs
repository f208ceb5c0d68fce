using System.Diagnostics;
using System.Globalization;

namespace VSwarm.TestKit;

/// <summary>
/// Runs the external tools tests compare against (tshark, sfacctd, ...). A missing tool fails with
/// the install line, never a skip: test.sh installs them, and in CI a missing tool is a failure.
/// </summary>
public static class ExternalTool
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, IEnumerable<string> args, TimeSpan timeout)
    {
        using var p = Start(tool, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {timeout}");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(string tool, IEnumerable<string> args, bool redirect = true)
    {
        var path = Find(tool);
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = redirect, RedirectStandardError = redirect, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
    }

    /// <summary>SIGINT by pid (sfacctd purges its cache and exits), SIGKILL if it does not stop.</summary>
    public static void Interrupt(Process p)
    {
        if (p.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", p.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            kill?.WaitForExit();
        }

        if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            p.Kill(entireProcessTree: true);
        }
    }

    private static string Find(string tool)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Concat(["/usr/sbin", "/usr/bin", "/sbin"]);
        foreach (var d in dirs.Where(d => d.Length > 0))
        {
            var candidate = Path.Combine(d, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var package = tool == "sfacctd" ? "pmacct" : tool;
        throw new InvalidOperationException($"{tool} is not installed: apt-get install -y {package} (test.sh installs it)");
    }
}
