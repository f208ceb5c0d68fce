using System.Net;
using System.Net.Sockets;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// The datagram packer of one receiver (ovs-brief §7.1 "Receiver", §9 item 22), as a plain class
/// with an injected clock and send callback. A sample larger than half the maximum datagram size
/// is rejected (and, as in the InMon library, the partial datagram is discarded); if the pending
/// datagram plus the sample would reach the maximum, the pending datagram is sent first; on every
/// <see cref="Tick"/> a datagram holding at least one sample is sent. Each send bumps the
/// datagram sequence number; uptime = clock − boot, in milliseconds.
/// </summary>
public sealed class SflowReceiver
{
    /// <summary>sFlowRcvrMaximumDatagramSize default.</summary>
    public const int DefaultMaxDatagramSize = 1400;

    private readonly Func<long> clockMs;
    private readonly Action<byte[]> send;
    private readonly long bootMs;
    private readonly List<SflowSample> pending = [];
    private int pendingSize;

    /// <summary>Creates a receiver.</summary>
    /// <param name="agent">Agent address (IPv4 or IPv6).</param>
    /// <param name="subAgentId">Sub-agent id.</param>
    /// <param name="clockMs">Monotonic clock in milliseconds; boot is its value now.</param>
    /// <param name="send">Called with every datagram, in order.</param>
    /// <param name="maxDatagramSize">Maximum datagram size; clamped to [200, 1500] as the InMon library does.</param>
    public SflowReceiver(IPAddress agent, uint subAgentId, Func<long> clockMs, Action<byte[]> send, int maxDatagramSize = DefaultMaxDatagramSize)
    {
        ArgumentNullException.ThrowIfNull(clockMs);
        ArgumentNullException.ThrowIfNull(send);
        Agent = agent;
        HeaderSize = SflowEncoder.HeaderSize(agent);
        SubAgentId = subAgentId;
        this.clockMs = clockMs;
        this.send = send;
        bootMs = clockMs();
        MaxDatagramSize = Math.Clamp(maxDatagramSize, 200, 1500);
        pendingSize = HeaderSize;
    }

    /// <summary>Agent address.</summary>
    public IPAddress Agent { get; }

    /// <summary>Sub-agent id.</summary>
    public uint SubAgentId { get; }

    /// <summary>Maximum datagram size in bytes.</summary>
    public int MaxDatagramSize { get; }

    /// <summary>Datagram header size (28 or 40).</summary>
    public int HeaderSize { get; }

    /// <summary>Sequence number of the last datagram sent (0 before the first).</summary>
    public uint DatagramSequence { get; private set; }

    /// <summary>Samples waiting for the next send.</summary>
    public int PendingSamples => pending.Count;

    /// <summary>Bytes of the pending datagram (header included).</summary>
    public int PendingSize => pendingSize;

    /// <summary>Samples rejected for being larger than half the maximum.</summary>
    public long Rejected { get; private set; }

    /// <summary>Adds a sample; may send the pending datagram first.</summary>
    /// <param name="sample">The sample.</param>
    /// <returns>False when the sample was rejected (too large).</returns>
    public bool Add(SflowSample sample)
    {
        var size = SflowEncoder.GetSampleSize(sample);
        if (size > MaxDatagramSize / 2)
        {
            Rejected++;
            pending.Clear();
            pendingSize = HeaderSize;
            return false;
        }

        if (pendingSize + size >= MaxDatagramSize)
        {
            Flush();
        }

        pending.Add(sample);
        pendingSize += size;
        return true;
    }

    /// <summary>The 1-second tick: sends the pending datagram if it holds a sample.</summary>
    public void Tick()
    {
        if (pending.Count > 0)
        {
            Flush();
        }
    }

    private void Flush()
    {
        DatagramSequence++;
        var datagram = new SflowDatagram(Agent, SubAgentId, DatagramSequence, unchecked((uint)(clockMs() - bootMs)), pending.ToArray());
        pending.Clear();
        pendingSize = HeaderSize;
        send(SflowEncoder.Encode(datagram));
    }
}

/// <summary>Sends datagrams over UDP to every collector (one socket per address family).</summary>
public sealed class SflowUdpSender : IDisposable
{
    private readonly Socket? v4;
    private readonly Socket? v6;

    /// <summary>Creates a sender.</summary>
    /// <param name="collectors">Collector endpoints.</param>
    public SflowUdpSender(IEnumerable<IPEndPoint> collectors)
    {
        ArgumentNullException.ThrowIfNull(collectors);
        Collectors = collectors.ToArray();
        if (Collectors.Any(c => c.AddressFamily == AddressFamily.InterNetwork))
        {
            v4 = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        }

        if (Collectors.Any(c => c.AddressFamily == AddressFamily.InterNetworkV6))
        {
            v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        }
    }

    /// <summary>The collectors.</summary>
    public IReadOnlyList<IPEndPoint> Collectors { get; }

    /// <summary>Datagrams that could not be sent (socket errors; UDP is best effort).</summary>
    public long SendErrors { get; private set; }

    /// <summary>Parses <c>host[:port]</c> (IPv6 as <c>[addr]:port</c>); port 6343 when omitted.</summary>
    /// <param name="text">The collector text.</param>
    /// <returns>The endpoint.</returns>
    public static IPEndPoint ParseCollector(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IPEndPoint.TryParse(text, out var ep))
        {
            if (ep.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
            {
                ep.Port = Config.SflowOptions.DefaultCollectorPort;
            }

            return ep;
        }

        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : text;
        var port = colon > 0 ? int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) : Config.SflowOptions.DefaultCollectorPort;
        var address = Dns.GetHostAddresses(host).FirstOrDefault()
            ?? throw new FormatException($"sFlow collector '{text}': host not found");
        return new IPEndPoint(address, port);
    }

    /// <summary>True when <paramref name="text"/> is a collector <see cref="ParseCollector"/> accepts.</summary>
    /// <param name="text">The collector text.</param>
    /// <param name="endpoint">The endpoint, when it parses.</param>
    /// <returns>Whether it parses.</returns>
    public static bool TryParseCollector(string text, out IPEndPoint? endpoint)
    {
        try
        {
            endpoint = ParseCollector(text);
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or System.Net.Sockets.SocketException or ArgumentException)
        {
            endpoint = null;
            return false;
        }
    }

    /// <summary>Sends one datagram to every collector.</summary>
    /// <param name="datagram">The bytes.</param>
    public void Send(byte[] datagram)
    {
        foreach (var c in Collectors)
        {
            try
            {
                (c.AddressFamily == AddressFamily.InterNetwork ? v4 : v6)!.SendTo(datagram, c);
            }
            catch (SocketException)
            {
                SendErrors++;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        v4?.Dispose();
        v6?.Dispose();
    }
}
