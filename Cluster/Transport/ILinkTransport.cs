using System.IO.Pipelines;

namespace VSwarm.Cluster.Transport;

/// <summary>
/// One ordered, reliable duplex byte stream between two nodes (a TCP connection, or an in-memory
/// pair in tests): what a node link runs its netlink frames over.
/// </summary>
public interface ILinkConnection : IAsyncDisposable
{
    /// <summary>Bytes from the peer.</summary>
    PipeReader Input { get; }

    /// <summary>Bytes to the peer.</summary>
    PipeWriter Output { get; }

    /// <summary>The peer's address, for logs.</summary>
    string RemoteAddress { get; }

    /// <summary>Closes both directions at once (no graceful shutdown); pending reads complete.</summary>
    void Abort();
}

/// <summary>A bound listener; disposing it stops accepting (existing connections stay).</summary>
public interface ILinkListener : IAsyncDisposable
{
    /// <summary>The address peers dial (with the real port when port 0 was asked for).</summary>
    string Address { get; }
}

/// <summary>
/// Makes node-link connections: listens on the node's address and dials peers. Implementations:
/// <see cref="Kestrel.KestrelLinkTransport"/> (Kestrel listener + socket dialer) and
/// <see cref="InMemory.InMemoryNetwork"/> (tests, with fault injection on virtual time).
/// </summary>
public interface ILinkTransport
{
    /// <summary>
    /// Listens on <paramref name="address"/>; <paramref name="onConnection"/> runs for each accepted
    /// connection and owns it until its task completes.
    /// </summary>
    Task<ILinkListener> ListenAsync(string address, Func<ILinkConnection, Task> onConnection, CancellationToken cancellationToken = default);

    /// <summary>Dials <paramref name="address"/>; throws when nothing answers there.</summary>
    Task<ILinkConnection> ConnectAsync(string address, CancellationToken cancellationToken = default);
}
