using VSwarm.Actors.Bridge.Protocol;

namespace VSwarm.Actors.Sflow;

/// <summary>
/// A counter poller of one bridge port (sflow-brief §4.3, ovs-brief §7.1 "Poller"), as a plain
/// class: data source <c>0:ifIndex</c>, its own counters-sample sequence number, polled every
/// <see cref="Interval"/> seconds. The first countdown is drawn from the injected random in
/// [0, interval) so that the pollers of an agent do not all fire in the same second; the agent
/// calls <see cref="Tick"/> once a second (its clock) and <see cref="Poll"/> when it is due.
/// Each sample carries, in wire order as OVS sends them, an Ethernet record (0,2) of zeros (the
/// model has no MAC-level counters) and the generic interface record (0,1) built from the port's
/// cumulative counters; counters the model does not keep are all ones, as OVS sends them.
/// </summary>
public sealed class SflowPoller
{
    /// <summary>ifType ethernetCsmacd.</summary>
    public const uint EthernetCsmacd = 6;

    /// <summary>ifDirection full-duplex.</summary>
    public const uint FullDuplex = 1;

    /// <summary>ifStatus: admin up (bit 0) and oper up (bit 1).</summary>
    public const uint AdminAndOperUp = 3;

    /// <summary>The value of a 32-bit counter the agent does not have.</summary>
    public const uint Unknown32 = uint.MaxValue;

    /// <summary>Creates a poller.</summary>
    /// <param name="ifIndex">The port's ifIndex (the data source index; below 2^24).</param>
    /// <param name="intervalSeconds">Polling interval in seconds; 0 or less disables polling.</param>
    /// <param name="random">Draws the first countdown.</param>
    /// <param name="ifSpeed">ifSpeed in bits/s (0 = unknown).</param>
    public SflowPoller(uint ifIndex, int intervalSeconds, Random random, ulong ifSpeed = 0)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (ifIndex >= 1u << 24)
        {
            throw new ArgumentOutOfRangeException(nameof(ifIndex), ifIndex, "a compact data source index is below 2^24");
        }

        IfIndex = ifIndex;
        Interval = Math.Max(0, intervalSeconds);
        IfSpeed = ifSpeed;
#pragma warning disable CA5394 // desynchronising pollers, not security
        Countdown = Interval > 0 ? random.Next(Interval) : 0;
#pragma warning restore CA5394
    }

    /// <summary>Data source class (0 = ifIndex).</summary>
    public const uint SourceClass = 0;

    /// <summary>Data source index (the ifIndex).</summary>
    public uint IfIndex { get; }

    /// <summary>Polling interval in seconds (0 = disabled).</summary>
    public int Interval { get; }

    /// <summary>ifSpeed reported in bits/s.</summary>
    public ulong IfSpeed { get; }

    /// <summary>Ticks left before the next poll (it is due at the tick that finds it 0).</summary>
    public int Countdown { get; private set; }

    /// <summary>Sequence number of the last counters sample (0 before the first).</summary>
    public uint SequenceNumber { get; private set; }

    /// <summary>True when polling is enabled.</summary>
    public bool Enabled => Interval > 0;

    /// <summary>One second has passed: true when the poller is due now (then it waits <see cref="Interval"/> more ticks).</summary>
    /// <returns>Whether to <see cref="Poll"/> now.</returns>
    public bool Tick()
    {
        if (!Enabled)
        {
            return false;
        }

        if (Countdown > 0)
        {
            Countdown--;
            return false;
        }

        Countdown = Interval - 1;
        return true;
    }

    /// <summary>Builds the next counters sample from the port's cumulative counters.</summary>
    /// <param name="counters">The port's counters.</param>
    /// <returns>The sample (sequence number +1).</returns>
    public SflowCountersSample Poll(PortCounters counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        SequenceNumber++;
        var ifCounters = new SflowIfCounters
        {
            IfIndex = IfIndex,
            IfType = EthernetCsmacd,
            IfSpeed = IfSpeed,
            IfDirection = FullDuplex,
            IfStatus = AdminAndOperUp,
            IfInOctets = unchecked((ulong)counters.RxBytes),
            IfInUcastPkts = unchecked((uint)counters.RxPackets),
            IfInMulticastPkts = Unknown32,
            IfInBroadcastPkts = Unknown32,
            IfInDiscards = unchecked((uint)counters.Drops),
            IfInErrors = 0,
            IfInUnknownProtos = Unknown32,
            IfOutOctets = unchecked((ulong)counters.TxBytes),
            IfOutUcastPkts = unchecked((uint)counters.TxPackets),
            IfOutMulticastPkts = Unknown32,
            IfOutBroadcastPkts = Unknown32,
            IfOutDiscards = 0,
            IfOutErrors = 0,
            IfPromiscuousMode = 0,
        };
        var ethernet = new SflowEthernetCounters(new uint[SflowEthernetCounters.Count]);
        return new SflowCountersSample(SequenceNumber, SourceClass, IfIndex, [ethernet, ifCounters]);
    }
}
