using System.Net;
using System.Net.Sockets;

namespace VSwarm.Tests.Cluster.Etcd;

/// <summary>A loopback TCP relay whose live connections a test can cut, to simulate a dropped stream.</summary>
internal sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();

    public TcpProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptLoopAsync();
    }

    public Uri Endpoint { get; }

    public int Accepted { get; private set; }

    /// <summary>Closes every relayed connection; new ones are still accepted.</summary>
    public void DropAll()
    {
        lock (_open)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var down = await _listener.AcceptTcpClientAsync(_stop.Token);
                var up = new TcpClient();
                await up.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
                lock (_open)
                {
                    Accepted++;
                    _open.Add(down);
                    _open.Add(up);
                }

                _ = PumpAsync(down, up);
                _ = PumpAsync(up, down);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
