namespace VSwarm.Messages.Datapath;

/// <summary>
/// dpif_flow_stats: packets, bytes, time of last use (ms on the datapath's monotonic clock; null =
/// never used) and the OR of the TCP flags seen.
/// </summary>
/// <param name="Packets">n_packets.</param>
/// <param name="Bytes">n_bytes.</param>
/// <param name="UsedMs">Last use in ms, or null when never used.</param>
/// <param name="TcpFlags">OR of the TCP flags seen (kernel reports 8 bits; VSwarm keeps 12).</param>
public readonly record struct FlowStats(ulong Packets, ulong Bytes, ulong? UsedMs, ushort TcpFlags)
{
    /// <summary>No packets, never used.</summary>
    public static FlowStats Zero => default;
}
