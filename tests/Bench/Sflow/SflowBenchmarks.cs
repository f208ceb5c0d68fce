using System.Net;
using BenchmarkDotNet.Attributes;
using VSwarm.Actors.Sflow;

namespace VSwarm.Bench.Sflow;

/// <summary>
/// sFlow agent costs on one core (issue 6, target ≥ 1 M samples/s): a sampler turning a sampled
/// packet into a flow sample (OVS's <c>dpif_sflow_received</c>: extended switch + 128-byte
/// sampled header), the receiver packing samples into 1400-byte datagrams (six per datagram) and
/// encoding them, and the encoder alone on a full datagram. The send callback keeps the bytes
/// but does no I/O: UDP is the kernel's cost, not the agent's.
/// </summary>
[MemoryDiagnoser]
public class SflowBenchmarks
{
    /// <summary>Samples per invocation of the per-sample benchmarks.</summary>
    public const int Batch = 10_000;

    private readonly byte[] _frame = new byte[1000];
    private SflowSampler _sampler = null!;
    private SflowReceiver _receiver = null!;
    private SflowDatagram _full = null!;
    private byte[] _buffer = null!;
    private long _bytesSent;

    /// <summary>Builds a 1000-byte TCP-like frame, a per-flow sampler, a receiver and a full datagram.</summary>
    [GlobalSetup]
    public void Setup()
    {
        new Random(7).NextBytes(_frame);
        _frame[12] = 0x08;
        _frame[13] = 0x00;
        _sampler = new SflowSampler(0, 0x4201, 400);
        _receiver = new SflowReceiver(IPAddress.Parse("192.0.2.10"), 0, () => 1000, bytes => _bytesSent += bytes.Length);
        var samples = Enumerable.Range(0, 6).Select(_ => (SflowSample)_sampler.Sample(_frame, 1004, 1003, seenPackets: 1)).ToList();
        _full = new SflowDatagram(IPAddress.Parse("192.0.2.10"), 0, 1, 1000, samples);
        _buffer = new byte[SflowEncoder.GetSize(_full)];
    }

    /// <summary>Sampler only: one flow sample per sampled packet.</summary>
    /// <returns>Sum of sequence numbers (kept so the work is not elided).</returns>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Sample()
    {
        long sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _sampler.Sample(_frame, 1004, 1003, seenPackets: i).SequenceNumber;
        }

        return sum;
    }

    /// <summary>Sample, pack and encode: what the agent does per sampled packet (a datagram every six samples).</summary>
    /// <returns>Bytes handed to the sender so far.</returns>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long SampleAndPack()
    {
        for (var i = 0; i < Batch; i++)
        {
            _receiver.Add(_sampler.Sample(_frame, 1004, 1003, seenPackets: i));
        }

        _receiver.Tick();
        return _bytesSent;
    }

    /// <summary>Encoder only: one full datagram (six flow samples, 1 208 bytes) into a reused buffer.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark]
    public int EncodeDatagram() => SflowEncoder.Encode(_full, _buffer);
}
