using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VSwarm.Actors.Config;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Placement;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Transport.Kestrel;
using VSwarm.Runtime;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm node --name n1 --listen 127.0.0.1:7101 --etcd http://127.0.0.1:2379 [--config vswarm.json]`:
/// runs one cluster node until SIGTERM or Ctrl-C (then leaves gracefully: bridges stop, the lease
/// is revoked). Bridges of the config file that etcd does not know yet are defined there first.
/// Logs member and placement events; activation records go to stdout as
/// <c>ACTIVATED|DEACTIVATED &lt;bridge&gt; &lt;node&gt; token=&lt;n&gt; at=&lt;unix ms&gt;</c> lines.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name") { Description = "node name (default: node:name of the config)" };
        var listen = new Option<string?>("--listen") { Description = "address:port for node links (default: node:listen)" };
        var etcd = new Option<string?>("--etcd") { Description = "etcd client URL (default: node:etcdEndpoints:0)" };
        var config = new Option<string?>("--config", "-c") { Description = "configuration file (default: ./vswarm.json when it exists)" };
        var ttl = new Option<int?>("--lease-ttl-ms") { Description = "membership lease TTL in ms (default: node:leaseTtlMs, 3000)" };
        var cmd = new Command("node", "Run a cluster node (membership, placement, bridges) until SIGTERM/Ctrl-C") { name, listen, etcd, config, ttl };
        cmd.SetAction(async (pr, ct) =>
        {
            var path = pr.GetValue(config) ?? (File.Exists(VSwarmConfiguration.DefaultFile) ? VSwarmConfiguration.DefaultFile : null);
            var overrides = new List<string>();
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    overrides.Add($"--{key}={value}");
                }
            }

            Set("node:name", pr.GetValue(name));
            Set("node:listen", pr.GetValue(listen));
            Set("node:etcdEndpoints:0", pr.GetValue(etcd));
            Set("node:leaseTtlMs", pr.GetValue(ttl)?.ToString(CultureInfo.InvariantCulture));
            VSwarmOptions options;
            try
            {
                options = VSwarmConfiguration.Load(path, commandLine: overrides);
                ClusterKeys.ValidateName(options.Node.Name, "node");
            }
            catch (Exception e) when (e is VSwarmConfigException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"vswarm node: {e.Message}");
                return 2;
            }

            return await RunAsync(options, ct);
        });
        return cmd;
    }

    private static async Task<int> RunAsync(VSwarmOptions options, CancellationToken ct)
    {
        var (store, error) = ClusterConnection.Open(options.Node.EffectiveEtcdEndpoints[0]);
        if (store is null)
        {
            await Console.Error.WriteLineAsync($"vswarm node: {error}");
            return 2;
        }

        using var _ = store;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        }).SetMinimumLevel(LogLevel.Information));
        var log = loggers.CreateLogger("vswarm.node");
        using var system = ActorSystem.Create(options.Node.Name, new ActorSystemOptions { LoggerFactory = loggers });
        var n = options.Node;
        var nodeOptions = new ClusterNodeOptions
        {
            Name = n.Name,
            Listen = n.Listen,
            Membership = new MembershipOptions
            {
                LeaseTtl = TimeSpan.FromMilliseconds(n.LeaseTtlMs),
                KeepAliveInterval = n.KeepAliveMs > 0 ? TimeSpan.FromMilliseconds(n.KeepAliveMs) : null,
                SafetyMargin = TimeSpan.FromMilliseconds(n.FenceMarginMs),
            },
            StatusInterval = TimeSpan.FromMilliseconds(n.StatusIntervalMs),
            Traffic = new TrafficOptions { PacketsPerTick = n.TrafficPacketsPerTick },
            Links = n.Secret.Length == 0 ? null : new RemotingSettings { ClusterName = n.Cluster, SharedSecret = System.Text.Encoding.UTF8.GetBytes(n.Secret) },
        };

        var node = new ClusterNode(store, system, nodeOptions, nodeOptions.Links is null ? null : new KestrelLinkTransport());
        try
        {
            foreach (var b in options.Bridges)
            {
                await node.Durable.CreateConfigAsync(b, stop.Token);
            }
        }
        catch (StoreUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"vswarm node: etcd at {store.Endpoint} is not reachable: {e.Message}");
            return 1;
        }

        system.EventStream.Subscribe<BridgeActivated>(e => Record("ACTIVATED", e.Bridge, e.Node, e.Token));
        system.EventStream.Subscribe<BridgeDeactivated>(e => Record("DEACTIVATED", e.Bridge, e.Node, e.Token));
        try
        {
            await node.StartAsync(stop.Token);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"vswarm node: cannot listen for node links on {n.Listen}: {e.Message}");
            return 1;
        }

        if (nodeOptions.Links is null)
        {
            NodeLog.NoLinks(log, n.Name);
        }

        NodeLog.Started(log, n.Name, n.Listen, store.Endpoint.ToString());
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or Ctrl-C: leave gracefully.
        }

        try
        {
            using var leaveTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await node.LeaveAsync(leaveTimeout.Token);
        }
        catch (Exception e) when (e is StoreUnavailableException or OperationCanceledException)
        {
            NodeLog.LeaveFailed(log, e.Message);
        }

        await node.DisposeAsync();
        await system.Terminate();
        return 0;
    }

    private static void Record(string what, string bridge, string node, long token) =>
        Console.Out.WriteLine($"{what} {bridge} {node} token={token} at={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
}

/// <summary>Log lines of `vswarm node`.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(100, LogLevel.Information, "node {Node} listening on {Listen}, etcd {Etcd}")]
    public static partial void Started(ILogger log, string node, string listen, string etcd);

    [LoggerMessage(101, LogLevel.Warning, "graceful leave failed: {Reason}")]
    public static partial void LeaveFailed(ILogger log, string reason);

    [LoggerMessage(102, LogLevel.Warning, "node {Node} runs without node links (no node:secret / VSWARM_NODE__SECRET): patch traffic to other nodes is undeliverable")]
    public static partial void NoLinks(ILogger log, string node);
}
