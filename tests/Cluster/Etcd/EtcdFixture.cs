using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VSwarm.Cluster.Etcd;
using Xunit;

namespace VSwarm.Tests.Cluster.Etcd;

/// <summary>
/// A throwaway single-node etcd on loopback: free ports, a temporary data dir, fast elections.
/// Shared by every test in <see cref="EtcdCollection"/>; tests keep to their own key prefixes.
/// </summary>
public sealed class EtcdFixture : IDisposable
{
    public const string EtcdPath = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public EtcdFixture()
    {
        if (!File.Exists(EtcdPath))
        {
            throw new InvalidOperationException(
                $"{EtcdPath} is missing: the cluster tests need a real etcd. test.sh installs it (apt package etcd-server).");
        }

        DataDir = Path.Combine(Path.GetTempPath(), "vswarm-etcd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDir);
        var clientPort = FreePort();
        var peerPort = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{clientPort}/");
        var peer = $"http://127.0.0.1:{peerPort}";

        var psi = new ProcessStartInfo(EtcdPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", "t", "--data-dir", Path.Combine(DataDir, "data"),
            "--listen-client-urls", Endpoint.ToString().TrimEnd('/'),
            "--advertise-client-urls", Endpoint.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"t={peer}", "--initial-cluster-state", "new",
            "--listen-metrics-urls", "",
            "--heartbeat-interval=20", "--election-timeout=200",
            "--logger", "zap", "--log-outputs", "stderr",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start etcd");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            WaitHealthy();
        }
        catch
        {
            Dispose();
            throw;
        }

        Client = new EtcdClient(new EtcdOptions { Endpoint = Endpoint, RequestTimeout = TimeSpan.FromSeconds(5) });
    }

    public Uri Endpoint { get; }
    public string DataDir { get; }
    public EtcdClient Client { get; } = null!;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public void Dispose()
    {
        Client?.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void WaitHealthy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {_process.ExitCode}:\n{Log}");
            }

            try
            {
                var body = http.GetStringAsync(new Uri(Endpoint, "health")).GetAwaiter().GetResult();
                if (body.Replace(" ", "", StringComparison.Ordinal).Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow answer; try again.
            }

            Thread.Sleep(25);
        }

        throw new TimeoutException($"etcd at {Endpoint} was not healthy within {StartTimeout.TotalSeconds} s:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdFixture>
{
    public const string Name = "etcd";
}
