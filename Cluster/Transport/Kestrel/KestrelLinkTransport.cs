using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VSwarm.Cluster.Transport.Kestrel;

/// <summary>
/// Real node links over TCP: Kestrel (from the ASP.NET Core shared framework) listens on the
/// node's address with a connection handler — no HTTP, the connection's pipes carry netlink frames
/// straight away — and peers are dialed with a plain <see cref="Socket"/> wrapped in pipes.
/// Addresses are <c>host:port</c> (IPv4/IPv6 literals or <c>localhost</c>); port 0 picks a free port.
/// </summary>
public sealed class KestrelLinkTransport : ILinkTransport
{
    /// <inheritdoc />
    public async Task<ILinkListener> ListenAsync(string address, Func<ILinkConnection, Task> onConnection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onConnection);
        var endpoint = await ResolveAsync(address, cancellationToken);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new LinkConnectionHandler(onConnection));
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, l => l.UseConnectionHandler<LinkConnectionHandler>()));
        var app = builder.Build();
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var port = bound is null ? endpoint.Port : new Uri(bound).Port;
        var host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        return new Listener(app, $"{host}:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <inheritdoc />
    public async Task<ILinkConnection> ConnectAsync(string address, CancellationToken cancellationToken = default)
    {
        var endpoint = await ResolveAsync(address, cancellationToken);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new SocketConnection(socket, address);
    }

    /// <summary>Parses <c>host:port</c>; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    internal static async Task<IPEndPoint> ResolveAsync(string address, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"bad link address [{address}]: expected host:port", nameof(address));
        }

        var host = address[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        var addrs = await Dns.GetHostAddressesAsync(host, ct);
        var pick = addrs.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addrs.FirstOrDefault()
            ?? throw new ArgumentException($"bad link address [{address}]: {host} does not resolve", nameof(address));
        return new IPEndPoint(pick, port);
    }

    private sealed class Listener(WebApplication app, string address) : ILinkListener
    {
        public string Address => address;

        public async ValueTask DisposeAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(cts.Token);
            await app.DisposeAsync();
        }
    }

    /// <summary>A dialed socket as a pair of pipes.</summary>
    private sealed class SocketConnection : ILinkConnection
    {
        private readonly Socket _socket;
        private int _aborted;

        public SocketConnection(Socket socket, string address)
        {
            _socket = socket;
            RemoteAddress = address;
            var stream = new NetworkStream(socket, ownsSocket: true);
            Input = PipeReader.Create(stream);
            Output = PipeWriter.Create(stream);
        }

        public PipeReader Input { get; }

        public PipeWriter Output { get; }

        public string RemoteAddress { get; }

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) == 0)
            {
                try
                {
                    _socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }

                _socket.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Abort();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Kestrel's connection handler for node links: hands each accepted connection to the node's links.</summary>
internal sealed class LinkConnectionHandler(Func<ILinkConnection, Task> onConnection) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        await onConnection(new KestrelConnection(connection));
    }

    private sealed class KestrelConnection(ConnectionContext context) : ILinkConnection
    {
        public PipeReader Input => context.Transport.Input;

        public PipeWriter Output => context.Transport.Output;

        public string RemoteAddress => context.RemoteEndPoint?.ToString() ?? context.ConnectionId;

        public void Abort() => context.Abort();

        public ValueTask DisposeAsync()
        {
            context.Abort();
            return ValueTask.CompletedTask;
        }
    }
}
