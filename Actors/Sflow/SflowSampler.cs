namespace VSwarm.Actors.Sflow;

/// <summary>
/// One flow-sampling data source (ovs-brief §7.1, §7.3 step 5), as a plain class: its own
/// flow-sample sequence number, sample_pool and drops. Sampling itself happens in the datapath
/// (the sample action's probability); this class turns each sampled packet into a flow sample
/// exactly as OVS 3.1's <c>dpif_sflow_received</c> does: sequence + 1, pool += rate (an
/// estimate, as in OVS), records extended_switch (1001) then sampled_header (1) in wire order,
/// frame_length = packet length + 4, stripped = 4, header = the first min(length, header) bytes.
/// </summary>
public sealed class SflowSampler
{
    /// <summary>OVS's bridge sampler data source class (entPhysicalEntry).</summary>
    public const uint BridgeSourceClass = 2;

    /// <summary>OVS's bridge sampler index base: index = 1000 + sub-agent id.</summary>
    public const uint BridgeIndexBase = 1000;

    /// <summary>header_protocol 1: Ethernet (ISO 8802-3).</summary>
    public const uint HeaderProtocolEthernet = 1;

    /// <summary>Creates a sampler.</summary>
    /// <param name="sourceClass">Data source class (0..255).</param>
    /// <param name="sourceIndex">Data source index (&lt; 2^24, compact form).</param>
    /// <param name="samplingRate">1 in N (0 disables sampling, as in the MIB).</param>
    /// <param name="headerBytes">Maximum sampled header size (OVS default 128).</param>
    public SflowSampler(uint sourceClass, uint sourceIndex, uint samplingRate, int headerBytes = 128)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceClass, 0xFFu);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceIndex, 0xFF_FFFFu);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headerBytes);
        SourceClass = sourceClass;
        SourceIndex = sourceIndex;
        SamplingRate = samplingRate;
        HeaderBytes = headerBytes;
    }

    /// <summary>Data source class.</summary>
    public uint SourceClass { get; }

    /// <summary>Data source index.</summary>
    public uint SourceIndex { get; }

    /// <summary>Sampling rate, 1 in N (0 = disabled).</summary>
    public uint SamplingRate { get; }

    /// <summary>Maximum header bytes copied into sampled_header.</summary>
    public int HeaderBytes { get; }

    /// <summary>Flow-sample sequence number of the last sample (0 before the first).</summary>
    public uint SequenceNumber { get; private set; }

    /// <summary>
    /// sample_pool, wrapping at 2^32: for the bridge sampler the rate added at each sample (OVS's
    /// estimate); for a per-flow sampler given the flow's packet count (<see cref="Sample"/>'s
    /// <c>seenPackets</c>), every packet the flow saw.
    /// </summary>
    public uint SamplePool => (uint)_pool;

    /// <summary>Samples lost for lack of resources (sample upcalls lost on the way, samples the receiver rejected).</summary>
    public uint Drops { get; private set; }

    private long _pool;

    /// <summary>True when sampling is enabled (rate ≠ 0).</summary>
    public bool Enabled => SamplingRate != 0;

    /// <summary>The bridge sampler of sub-agent <paramref name="subAgentId"/>: source 2:(1000 + sub id), as OVS.</summary>
    /// <param name="subAgentId">The bridge's sFlow number.</param>
    /// <param name="samplingRate">1 in N.</param>
    /// <param name="headerBytes">Header bytes.</param>
    /// <returns>The sampler.</returns>
    public static SflowSampler ForBridge(uint subAgentId, uint samplingRate, int headerBytes = 128) =>
        new(BridgeSourceClass, BridgeIndexBase + subAgentId, samplingRate, headerBytes);

    /// <summary>Builds the flow sample for one sampled packet.</summary>
    /// <param name="packet">The packet as received (no FCS).</param>
    /// <param name="inputIfIndex">ifIndex of the input port (0 if unknown).</param>
    /// <param name="outputWord">Compact output word from the sFlow cookie (ifIndex, 0x80000000|n, 0x40000000|reason).</param>
    /// <param name="inputTci">802.1Q TCI of the received packet (0 if untagged).</param>
    /// <param name="outputTci">TCI of the packet as output (the cookie's vlan_tci).</param>
    /// <param name="seenPackets">Packets the sampled flow saw so far (its rules' datapath stats as
    /// revalidators pushed them), or null for OVS's estimate. The pool becomes the larger of that
    /// count and the previous pool + 1 (the sampled packet itself was seen), so it never goes back.</param>
    /// <returns>The compact flow sample.</returns>
    public SflowFlowSample Sample(ReadOnlySpan<byte> packet, uint inputIfIndex, uint outputWord, ushort inputTci = 0, ushort outputTci = 0, long? seenPackets = null)
    {
        if (!Enabled)
        {
            throw new InvalidOperationException($"sampler {SourceClass}:{SourceIndex} is disabled (rate 0)");
        }

        SequenceNumber++;
        _pool = seenPackets is { } seen ? Math.Max(_pool + 1, seen) : _pool + SamplingRate;
        var header = packet[..Math.Min(packet.Length, HeaderBytes)].ToArray();
        return new SflowFlowSample(
            SequenceNumber, SourceClass, SourceIndex, SamplingRate, SamplePool, Drops,
            SflowInterface.FromCompact(inputIfIndex & 0x3FFF_FFFF), SflowInterface.FromCompact(outputWord),
            [
                new SflowExtendedSwitch((uint)(inputTci & 0xFFF), (uint)(inputTci >> 13), (uint)(outputTci & 0xFFF), (uint)(outputTci >> 13)),
                new SflowSampledHeader(HeaderProtocolEthernet, (uint)packet.Length + 4, 4, header),
            ]);
    }

    /// <summary>Counts samples that were lost (reported in later samples' drops; wraps at 2^32).</summary>
    /// <param name="count">How many.</param>
    public void CountDrop(uint count = 1) => Drops = unchecked(Drops + count);
}

/// <summary>
/// Per-flow sampler data sources (issue 6, sflow-brief §6.1): each sampled rule cookie is a data
/// source of its own, <c>0:index</c> with index a 24-bit fold of the cookie (XOR of its three
/// 24-bit slices, 0 replaced by 1), so the agent stays in compact form. Class 0 is the ifIndex
/// class the per-port counter pollers also use, so an index can collide with a port's ifIndex as
/// well as with another cookie's fold: <see cref="Register"/> refuses both with
/// <see cref="SflowIndexCollisionException"/> (the agent logs it, counts it and drops that
/// cookie's samples) rather than silently merging two data sources in a collector.
/// </summary>
public sealed class SflowFlowSamplerIndex
{
    /// <summary>Default class of per-flow samplers: 0, as the issue asks.</summary>
    public const uint DefaultSourceClass = 0;

    private readonly Dictionary<uint, ulong> byIndex = [];
    private readonly Dictionary<ulong, uint> byCookie = [];
    private readonly HashSet<uint> reserved;

    /// <summary>Creates an index.</summary>
    /// <param name="sourceClass">Data source class of per-flow samplers.</param>
    /// <param name="reservedIndexes">Indexes other data sources of that class already use (class 0: the ports' ifIndexes).</param>
    public SflowFlowSamplerIndex(uint sourceClass = DefaultSourceClass, IEnumerable<uint>? reservedIndexes = null)
    {
        SourceClass = sourceClass;
        reserved = [.. reservedIndexes ?? []];
    }

    /// <summary>Class of per-flow data sources.</summary>
    public uint SourceClass { get; }

    /// <summary>The 24-bit index a cookie folds to.</summary>
    /// <param name="cookie">The rule cookie.</param>
    /// <returns>1..2^24−1.</returns>
    public static uint Fold(ulong cookie)
    {
        var v = (uint)((cookie ^ (cookie >> 24) ^ (cookie >> 48)) & 0xFF_FFFF);
        return v == 0 ? 1 : v;
    }

    /// <summary>Registers a cookie and returns its index (idempotent).</summary>
    /// <param name="cookie">The rule cookie.</param>
    /// <returns>The index.</returns>
    /// <exception cref="SflowIndexCollisionException">A port or another cookie already has that index.</exception>
    public uint Register(ulong cookie)
    {
        if (byCookie.TryGetValue(cookie, out var known))
        {
            return known;
        }

        var index = Fold(cookie);
        if (reserved.Contains(index))
        {
            throw new SflowIndexCollisionException(cookie, null, index);
        }

        if (byIndex.TryGetValue(index, out var other))
        {
            throw new SflowIndexCollisionException(cookie, other, index);
        }

        byIndex[index] = cookie;
        byCookie[cookie] = index;
        return index;
    }

    /// <summary>The index of a registered cookie.</summary>
    /// <param name="cookie">The cookie.</param>
    /// <param name="index">Its index.</param>
    /// <returns>True when registered.</returns>
    public bool TryGetIndex(ulong cookie, out uint index) => byCookie.TryGetValue(cookie, out index);
}

/// <summary>A rule cookie folds to a per-flow sampler index that a port's ifIndex or another cookie already uses.</summary>
public sealed class SflowIndexCollisionException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public SflowIndexCollisionException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public SflowIndexCollisionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SflowIndexCollisionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="cookie">The cookie being registered.</param>
    /// <param name="existing">The cookie that holds the index, or null when it is a port's ifIndex.</param>
    /// <param name="index">The index.</param>
    public SflowIndexCollisionException(ulong cookie, ulong? existing, uint index)
        : base(existing is { } e
            ? $"per-flow sFlow sampler index collision: cookie 0x{cookie:x} and cookie 0x{e:x} both fold to index {index}"
            : $"per-flow sFlow sampler index collision: cookie 0x{cookie:x} folds to index {index}, the ifIndex of a port")
    {
        Cookie = cookie;
        Existing = existing;
        Index = index;
    }

    /// <summary>The cookie being registered.</summary>
    public ulong Cookie { get; }

    /// <summary>The cookie that already holds the index, or null when a port's ifIndex does.</summary>
    public ulong? Existing { get; }

    /// <summary>The contested index.</summary>
    public uint Index { get; }
}
