using System.Collections.Concurrent;
using System.Diagnostics;

namespace VSwarm.Tests.Cluster.MultiProcess;

/// <summary>
/// One `vswarm node` process (the built Host dll run with `dotnet`), its output lines kept in
/// memory. Stopped by pid: <see cref="Kill"/> is a crash (SIGKILL), <see cref="Terminate"/> a
/// graceful leave (SIGTERM).
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public NodeProcess(string name, string listen, Uri etcd, string configPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        Name = name;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { VswarmDll, "node", "--name", name, "--listen", listen, "--etcd", etcd.ToString().TrimEnd('/'), "--config", configPath })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // The node reads VSWARM_SECTION__KEY variables as configuration: the test's config file
        // must be the whole configuration, whatever the test run's environment holds.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("VSWARM_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The built vswarm.dll next to this test assembly's configuration (Host/bin/&lt;config&gt;/net10.0).</summary>
    public static string VswarmDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VSwarm.slnx")))
            {
                dir = dir.Parent;
            }

            var dll = dir is null ? null : Path.Combine(dir.FullName, "Host", "bin", config, "net10.0", "vswarm.dll");
            return dll is not null && File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"the built vswarm.dll was not found (looked for Host/bin/{config}/net10.0/vswarm.dll above {AppContext.BaseDirectory}); build the solution first");
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(10_000);
    }

    public bool Terminate(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        // SIGTERM by pid: the node leaves gracefully.
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        return _process.WaitForExit(timeout);
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
