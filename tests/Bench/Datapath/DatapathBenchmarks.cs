using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Revalidator;
using VSwarm.Actors.Upcall;
using VSwarm.Actors.Xlate;
using VSwarm.Bench.Flow;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Bench.Datapath;

/// <summary>Workload shared by the datapath benchmarks.</summary>
public static class DpBenchData
{
    /// <summary>An IPv4/TCP key.</summary>
    public static FlowKey Tcp(uint inPort, uint dst, ushort srcPort)
    {
        var k = default(FlowKey);
        k.InPort = inPort;
        k.DlDst = 0x020000000002;
        k.DlSrc = 0x020000000001;
        k.DlType = 0x0800;
        k.NwSrc = 0x0a000001;
        k.NwDst = dst;
        k.NwProto = 6;
        k.NwTtl = 64;
        k.TpSrc = srcPort;
        k.TpDst = 80;
        k.TcpFlags = 0x10;
        return k;
    }

    /// <summary>
    /// Mask number <paramref name="i"/> of 10: in_port, recirc_id, dl_type exact and an IPv4
    /// destination prefix of 14 + i bits (10 distinct masks).
    /// </summary>
    public static FlowMask Mask(int i)
    {
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.DlType);
        m.UnwildcardPrefix(FlowFields.NwDst, 14 + i);
        return m;
    }

    /// <summary>
    /// <paramref name="flows"/> megaflows over 10 masks (flows of mask i on in_port i + 1, so they
    /// never overlap), each output to port 2; and the destination address of each.
    /// </summary>
    public static List<(FlowKey Key, FlowMask Mask)> Megaflows(int flows)
    {
        var list = new List<(FlowKey, FlowMask)>(flows);
        for (var f = 0; f < flows; f++)
        {
            var i = f % 10;
            var dst = (uint)(10 << 24) | ((uint)(f / 10) << (32 - 14 - i));
            list.Add((Tcp((uint)i + 1, dst, 1000), Mask(i)));
        }

        return list;
    }
}

/// <summary>
/// Forwarding on megaflow hits: 1000 megaflows over 10 masks, 1024 distinct packets (connections)
/// spread over them, processed in batches of 32; one operation = one packet. With the EMC on
/// (insertion 1/100, warmed up) most packets hit the EMC; off, every packet walks the subtables
/// (ranked by hits, 5.5 probes per hit on average for this uniform mix).
/// </summary>
[Config(typeof(PerOperationConfig))]
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private const int Packets = 1024;
    private Packet[] _packets = [];
    private DatapathShard _shard = null!;

    /// <summary>EMC on or off.</summary>
    [Params(true, false)]
    public bool Emc { get; set; }

    /// <summary>Installs the flows and warms the caches.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _shard = new DatapathShard(new DatapathShardOptions { EmcInsertInverseProbability = Emc ? 100u : 0u }, () => 0);
        var flows = DpBenchData.Megaflows(1000);
        ulong u = 1;
        foreach (var (k, m) in flows)
        {
            _shard.Put(new DpifFlowPut(FlowPutFlags.Create, new Match(k, m), DpActions.Of(new OutputAction(2)), new Ufid(u++)));
        }

        var r = new Random(1);
        _packets = new Packet[Packets];
        for (var p = 0; p < Packets; p++)
        {
            var (k, _) = flows[r.Next(flows.Count)];
            var key = DpBenchData.Tcp(k.InPort, k.NwDst | (uint)r.Next(256), (ushort)r.Next(1024, 65535));
            _packets[p] = new Packet(PacketBuilder.Build(key), key.InPort);
        }

        for (var w = 0; w < 200; w++)
        {
            Run();
        }

        _shard.Optimize();
        if (_shard.Stats.Missed != 0)
        {
            throw new InvalidOperationException("benchmark packets must all hit");
        }
    }

    /// <summary>1024 packets in 32 batches of 32.</summary>
    [Benchmark(OperationsPerInvoke = Packets)]
    public void Run()
    {
        var span = _packets.AsSpan();
        for (var i = 0; i < Packets; i += DatapathShardOptions.MaxBatch)
        {
            _shard.ProcessBatch(span.Slice(i, DatapathShardOptions.MaxBatch));
        }
    }
}

/// <summary>A translator that costs almost nothing: every flow gets in_port/dl_type/nw_dst/32 → output 2.</summary>
public sealed class CheapTranslator : IFlowTranslator
{
    private static readonly DpActions Output = DpActions.Of(new OutputAction(2));
    private static readonly FlowMask Wildcards = BuildMask();

    /// <summary>Actions to return instead (to make the revalidator MODIFY).</summary>
    public DpActions Actions { get; set; } = Output;

    /// <inheritdoc/>
    public XlateResult Translate(in FlowKey flow, ulong version) => new(Actions, Wildcards, ImmutableArray<VSwarm.Actors.Tables.FlowEntry>.Empty);

    private static FlowMask BuildMask()
    {
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.NwDst);
        return m;
    }
}

/// <summary>
/// Flow setups: 1024 MISS upcalls of distinct flows → UFID, ukey insert, translation (cheap fake),
/// FlowPut CREATE into a shard, EXECUTE, completion; handler batches of 64. One operation = one
/// flow set up. Each invocation starts from an empty shard and ukey map (their creation is
/// included, amortised over the 1024 setups).
/// </summary>
[Config(typeof(PerOperationConfig))]
[MemoryDiagnoser]
public class FlowSetupBenchmarks
{
    private const int Flows = 1024;
    private DpifUpcall[][] _batches = [];
    private readonly CheapTranslator _xlate = new();
    private readonly UfidGenerator _ufids = new(1);

    /// <summary>Builds the upcalls.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var ups = new DpifUpcall[Flows];
        for (var i = 0; i < Flows; i++)
        {
            var key = DpBenchData.Tcp(1, (uint)(10 << 24) + (uint)i, 1000);
            ups[i] = new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(PacketBuilder.Build(key)), key);
        }

        _batches = ups.Chunk(UpcallProcessor.MaxBatch).ToArray();
    }

    /// <summary>1024 setups.</summary>
    [Benchmark(OperationsPerInvoke = Flows)]
    public int Setups()
    {
        var shard = new DatapathShard(null, () => 0);
        var udpif = new UdpifState(null, () => shard.FlowCount);
        var handler = new UpcallProcessor(udpif, _xlate, () => 0, () => 0, _ufids);
        foreach (var b in _batches)
        {
            handler.Process(b, shard);
        }

        return shard.FlowCount != Flows ? throw new InvalidOperationException("not all flows installed") : shard.FlowCount;
    }
}

/// <summary>
/// One revalidation round over 100 000 megaflows (dump in batches of 50, per-flow revalidation,
/// sweep over 512 ukey shards): nothing changed (stats only), or reval_seq moved (every flow
/// re-translated with the cheap fake, verdict KEEP), or moved with new actions (every flow
/// MODIFY). One operation = one round.
/// </summary>
[Config(typeof(PerOperationConfig))]
[MemoryDiagnoser]
public class RevalidationBenchmarks
{
    private const int Flows = 100_000;
    private DatapathShard _shard = null!;
    private UdpifState _udpif = null!;
    private RevalidatorCore _reval = null!;
    private CheapTranslator _xlate = null!;
    private bool _flip;

    /// <summary>What changed since the previous round.</summary>
    [Params("nothing", "version", "actions")]
    public string Change { get; set; } = "nothing";

    /// <summary>Installs 100 000 flows through the handler path.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _xlate = new CheapTranslator();
        _shard = new DatapathShard(null, () => 0);
        _udpif = new UdpifState(new UdpifOptions { FlowLimit = 200_000 }, () => _shard.FlowCount) { FlowLimit = 200_000 };
        var handler = new UpcallProcessor(_udpif, _xlate, () => 0, () => 0, new UfidGenerator(1));
        var batch = new List<DpifUpcall>(UpcallProcessor.MaxBatch);
        for (var i = 0; i < Flows; i++)
        {
            var key = DpBenchData.Tcp(1, (uint)(10 << 24) + (uint)i, 1000);
            batch.Add(new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(PacketBuilder.Build(key)), key));
            if (batch.Count == UpcallProcessor.MaxBatch || i == Flows - 1)
            {
                handler.Process(batch, _shard);
                batch.Clear();
            }
        }

        _reval = new RevalidatorCore(_udpif, _xlate, () => 0, () => 0);
        if (_shard.FlowCount != Flows)
        {
            throw new InvalidOperationException($"{_shard.FlowCount} flows installed");
        }

        _reval.RunRound(_shard);
    }

    /// <summary>One round.</summary>
    [Benchmark]
    public long Round()
    {
        switch (Change)
        {
            case "version":
                _udpif.BumpRevalSeq();
                break;
            case "actions":
                _udpif.BumpRevalSeq();
                _flip = !_flip;
                _xlate.Actions = DpActions.Of(new OutputAction(_flip ? 3u : 2u));
                break;
            default:
                break;
        }

        _reval.RunRound(_shard);
        return _shard.FlowCount != Flows ? throw new InvalidOperationException("flows were deleted") : _reval.Counters.Dumped;
    }
}
