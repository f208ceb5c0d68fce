namespace VSwarm.Actors.Datapath;

/// <summary>
/// A frame received on a datapath port: the bytes (from the Ethernet header) and the datapath
/// input port. The shard never writes into <see cref="Frame"/>: actions that rewrite headers work
/// on a private copy (copy-on-write), so a caller may reuse its buffers across batches.
/// </summary>
/// <param name="Frame">The frame bytes.</param>
/// <param name="InPort">Datapath input port number.</param>
public readonly record struct Packet(byte[] Frame, uint InPort);

/// <summary>
/// Where a shard sends packets that an OUTPUT action emits. The span is only valid during the
/// call: copy it to keep it.
/// </summary>
public interface IDatapathOutput
{
    /// <summary>Emits <paramref name="frame"/> on datapath port <paramref name="port"/>.</summary>
    void Output(uint port, ReadOnlySpan<byte> frame);
}

/// <summary>An output that discards every packet (benchmarks, tests that only look at stats).</summary>
public sealed class NullOutput : IDatapathOutput
{
    /// <summary>The shared instance.</summary>
    public static readonly NullOutput Instance = new();

    /// <summary>Packets emitted so far.</summary>
    public long Count { get; private set; }

    /// <inheritdoc/>
    public void Output(uint port, ReadOnlySpan<byte> frame) => Count++;
}
