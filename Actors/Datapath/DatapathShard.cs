using System.Buffers.Binary;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Actors.Datapath;

/// <summary>Settings of a <see cref="DatapathShard"/> (OVS defaults).</summary>
public sealed record DatapathShardOptions
{
    /// <summary>Most packets per <see cref="DatapathShard.ProcessBatch"/> (NETDEV_MAX_BURST = 32).</summary>
    public const int MaxBatch = 32;

    /// <summary>Upcalls the queue to the handlers holds before it drops (n_lost).</summary>
    public int UpcallQueueCapacity { get; init; } = 4096;

    /// <summary>EMC slots (power of two).</summary>
    public int EmcEntries { get; init; } = Emc.DefaultEntries;

    /// <summary>emc-insert-inv-prob: insert with probability 1/N; 0 disables the EMC.</summary>
    public uint EmcInsertInverseProbability { get; init; } = Emc.DefaultInsertInverseProbability;

    /// <summary>Most nested recirculations of one packet (OVS: 8).</summary>
    public int MaxRecirculationDepth { get; init; } = 8;

    /// <summary>ovs_header dp_ifindex put into upcalls.</summary>
    public int DpIfIndex { get; init; }
}

/// <summary>
/// Counters of a shard, as dpif_dp_stats plus the cache split (ovs-appctl dpif-netdev/pmd-stats-show).
/// </summary>
/// <param name="Hit">Packets that matched a flow (n_hit).</param>
/// <param name="Missed">Packets that missed and were queued as MISS upcalls (n_missed).</param>
/// <param name="Lost">Upcalls (MISS or ACTION) dropped because the queue was full (n_lost).</param>
/// <param name="Flows">Installed flows.</param>
/// <param name="Masks">Subtables (n_masks).</param>
/// <param name="EmcHits">Hits answered by the EMC.</param>
/// <param name="MegaflowHits">Hits answered by the megaflow table.</param>
/// <param name="MaskHits">Subtables probed for the megaflow hits (n_mask_hit; /MegaflowHits = masks per hit).</param>
/// <param name="ActionUpcalls">ACTION upcalls queued (userspace and sampled actions).</param>
/// <param name="Executed">Packets run through <see cref="DatapathShard.Execute"/>.</param>
public readonly record struct DatapathShardStats(long Hit, long Missed, long Lost, int Flows, int Masks, long EmcHits,
    long MegaflowHits, long MaskHits, long ActionUpcalls, long Executed);

/// <summary>
/// The fast path of one datapath shard (a PMD thread of dpif-netdev, or one CPU of the kernel
/// datapath): EMC, megaflow table, action execution, statistics and the upcall queue.
/// </summary>
/// <remarks>
/// <para>Driving it from an actor: call <see cref="ProcessBatch"/> with each ingress batch (≤ 32);
/// then drain <see cref="Upcalls"/> and send the upcalls to handlers. Answer dpif messages with
/// <see cref="Put"/>, <see cref="Delete"/>, <see cref="Get"/>, <see cref="Dump"/> and
/// <see cref="Execute"/> (or <see cref="IDpif.Operate"/>). Call <see cref="Optimize"/> every second
/// of (virtual) time. Time comes only from the injected clock (ms), randomness only from the
/// injected generator.</para>
/// <para>Per packet: extract the key (<see cref="PacketParser"/>); EMC; megaflow lookup; on a hit
/// update the flow's stats (packets, bytes, used = now, OR of TCP flags), insert into the EMC with
/// its probability, and execute the actions: OUTPUT (to <see cref="IDatapathOutput"/>), SET and
/// SET_MASKED (headers rewritten by rebuilding them with <see cref="PacketBuilder"/>, payload
/// kept), PUSH_VLAN / POP_VLAN, SAMPLE (nested actions on a copy, with probability P/2^32-1),
/// CLONE, USERSPACE (an ACTION upcall carrying the userdata cookie, and the flow's actions when
/// asked), RECIRC (a copy with the new recirc_id is looked up again, ≤ 8 deep), TRUNC, DROP;
/// HASH, METER and CT_CLEAR are accepted and ignored. A miss queues a MISS upcall; a full queue
/// counts the packet lost instead (kernel accounting: a packet is either missed or lost).</para>
/// <para>Not thread-safe: one owner.</para>
/// </remarks>
public sealed class DatapathShard : IDpif
{
    private readonly Func<long> _clock;
    private readonly Func<uint> _random;
    private readonly IDatapathOutput _output;
    private readonly DatapathShardOptions _options;
    private long _hit, _missed, _emcHits, _megaflowHits, _maskHits, _actionUpcalls, _executed;

    /// <summary>Creates a shard.</summary>
    /// <param name="options">Settings (null = defaults).</param>
    /// <param name="clock">Milliseconds, monotonic (virtual time in simulations).</param>
    /// <param name="output">Where OUTPUT actions send packets (null = discard).</param>
    /// <param name="random">Uniform 32-bit numbers for EMC insertion and SAMPLE (null = a fixed-seed generator).</param>
    public DatapathShard(DatapathShardOptions? options, Func<long> clock, IDatapathOutput? output = null, Func<uint>? random = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _options = options ?? new DatapathShardOptions();
        _clock = clock;
        _random = random ?? new XorShiftRandom(0xD47A).NextUInt32;
        _output = output ?? NullOutput.Instance;
        Flows = new MegaflowTable(clock);
        Emc = new Emc(_options.EmcEntries, _options.EmcInsertInverseProbability, _random);
        Upcalls = new UpcallQueue(_options.UpcallQueueCapacity);
    }

    /// <summary>The megaflow table.</summary>
    public MegaflowTable Flows { get; }

    /// <summary>The exact match cache.</summary>
    public Emc Emc { get; }

    /// <summary>Upcalls waiting for a handler.</summary>
    public UpcallQueue Upcalls { get; }

    /// <inheritdoc/>
    public int FlowCount => Flows.Count;

    /// <summary>The counters.</summary>
    public DatapathShardStats Stats => new(_hit, _missed, Upcalls.Lost, Flows.Count, Flows.MaskCount, _emcHits, _megaflowHits,
        _maskHits, _actionUpcalls, _executed);

    /// <summary>Processes one batch of received packets (at most <see cref="DatapathShardOptions.MaxBatch"/>).</summary>
    public void ProcessBatch(ReadOnlySpan<Packet> batch)
    {
        if (batch.Length > DatapathShardOptions.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch.Length, "a batch holds at most 32 packets");
        }

        var now = _clock();
        FlowKey key = default;
        foreach (var p in batch)
        {
            PacketParser.Extract(p.Frame, p.InPort, ref key);
            var work = new Work(p.Frame);
            Receive(ref work, ref key, now, 0);
        }
    }

    /// <summary>Processes one packet (a batch of one).</summary>
    public void Process(in Packet packet) => ProcessBatch(new ReadOnlySpan<Packet>(in packet));

    /// <summary>
    /// EXECUTE: runs actions on a packet without installing anything (no flow stats). The key is
    /// re-extracted from the frame with the metadata's in_port and recirc_id.
    /// </summary>
    public DpifReply Execute(DpifExecute execute)
    {
        ArgumentNullException.ThrowIfNull(execute);
        var frame = execute.Packet.Span.ToArray();
        var key = PacketParser.Extract(frame, execute.Metadata.InPort);
        key.RecircId = execute.Metadata.RecircId;
        var work = new Work(frame);
        _executed++;
        Run(execute.Actions, ref work, ref key, null, _clock(), 0);
        return new DpifReply();
    }

    /// <inheritdoc/>
    public DpifReply Put(DpifFlowPut put) => Flows.Put(put);

    /// <inheritdoc/>
    public DpifReply Delete(DpifFlowDel del) => Flows.Delete(del);

    /// <inheritdoc/>
    public DpifReply Get(DpifFlowGet get) => Flows.Get(get);

    /// <inheritdoc/>
    public DpifFlowDumpBatch Dump(DpifFlowDumpRequest request) => Flows.Dump(request);

    /// <summary>Runs any single operation (put, del, get, execute); EOPNOTSUPP otherwise.</summary>
    public DpifReply Operate(DpifMessage op) => op switch
    {
        DpifFlowPut p => Put(p),
        DpifFlowDel d => Delete(d),
        DpifFlowGet g => Get(g),
        DpifExecute e => Execute(e),
        _ => new DpifReply(DpifErrno.EOPNOTSUPP),
    };

    /// <summary>Re-ranks the megaflow subtables by recent hits (call every second).</summary>
    public void Optimize() => Flows.Optimize();

    private void Receive(ref Work work, ref FlowKey key, long now, int depth)
    {
        Megaflow? flow = null;
        ulong emcHash = 0;
        var emc = Emc.Enabled;
        if (emc)
        {
            emcHash = Emc.HashOf(key);
            flow = Emc.Lookup(key, emcHash);
        }

        if (flow is not null)
        {
            _emcHits++;
        }
        else
        {
            flow = Flows.Lookup(key, out var probed);
            if (flow is null)
            {
                var upcall = new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(work.Span), key, DpIfIndex: _options.DpIfIndex);
                if (Upcalls.TryEnqueue(upcall))
                {
                    _missed++;
                }

                return;
            }

            _megaflowHits++;
            _maskHits += probed;
            if (emc)
            {
                Emc.MaybeInsert(key, emcHash, flow);
            }
        }

        _hit++;
        flow.Hit(work.Length, now, key.TcpFlags);
        Run(flow.Actions, ref work, ref key, flow, now, depth);
    }

    private void Run(DpActions actions, ref Work work, ref FlowKey key, Megaflow? flow, long now, int depth)
    {
        var trunc = int.MaxValue;
        for (var i = 0; i < actions.Count; i++)
        {
            switch (actions[i])
            {
                case OutputAction o:
                    _output.Output(o.Port, work.Span[..Math.Min(work.Length, trunc)]);
                    trunc = int.MaxValue;
                    break;
                case UserspaceAction u:
                    ActionUpcall(u, work.Span[..Math.Min(work.Length, trunc)], key, flow);
                    trunc = int.MaxValue;
                    break;
                case SetAction s:
                    ApplySet(ref work, ref key, s.Value, SettableFields(s.Attr));
                    break;
                case SetMaskedAction s:
                    ApplySet(ref work, ref key, s.Value, s.Mask & SettableFields(s.Attr));
                    break;
                case PushVlanAction v:
                    PushVlan(ref work, ref key, v);
                    break;
                case PopVlanAction:
                    PopVlan(ref work, ref key);
                    break;
                case SampleAction s:
                    if (s.Probability != 0 && (s.Probability == uint.MaxValue || _random() <= s.Probability))
                    {
                        RunOnCopy(s.Actions, work, key, flow, now, depth);
                    }

                    break;
                case CloneAction c:
                    RunOnCopy(c.Actions, work, key, flow, now, depth);
                    break;
                case RecircAction r:
                    if (depth < _options.MaxRecirculationDepth)
                    {
                        var copy = work.Copy();
                        var k = key;
                        k.RecircId = r.Id;
                        Receive(ref copy, ref k, now, depth + 1);
                    }

                    break;
                case TruncAction t:
                    trunc = (int)Math.Min(t.MaxLen, int.MaxValue);
                    break;
                case DropAction:
                    return;
                default:
                    break; // HASH, METER, CT_CLEAR: not modelled
            }
        }
    }

    private void RunOnCopy(DpActions actions, in Work work, in FlowKey key, Megaflow? flow, long now, int depth)
    {
        var copy = work.Copy();
        var k = key;
        Run(actions, ref copy, ref k, flow, now, depth);
    }

    private void ActionUpcall(UserspaceAction u, ReadOnlySpan<byte> frame, in FlowKey key, Megaflow? flow)
    {
        var upcall = new DpifUpcall(DpifUpcallType.Action, new ByteBlob(frame), key, Userdata: u.Userdata,
            Actions: u.IncludeActions ? flow?.Actions : null, DpIfIndex: _options.DpIfIndex);
        if (Upcalls.TryEnqueue(upcall))
        {
            _actionUpcalls++;
        }
    }

    /// <summary>The fields a SET of this header may write (the datapath never rewrites nw_proto or nw_frag).</summary>
    private static FlowMask SettableFields(OvsKeyAttr attr)
    {
        var m = KeyAttrs.FieldsOf(attr);
        m.Wildcard(FlowFields.NwProto);
        m.Wildcard(FlowFields.NwFrag);
        return m;
    }

    private static void ApplySet(ref Work work, ref FlowKey key, in FlowKey value, in FlowMask mask)
    {
        var old = key;
        var kw = key.Words;
        var vw = value.ReadOnlyWords;
        var mw = mask.ReadOnlyWords;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            kw[i] = (kw[i] & ~mw[i]) | (vw[i] & mw[i]);
        }

        Rewrite(ref work, old, key);
    }

    /// <summary>Rebuilds the headers of the frame from <paramref name="updated"/>, keeping the payload bytes.</summary>
    private static void Rewrite(ref Work work, in FlowKey old, in FlowKey updated)
    {
        var noPad = new PacketBuildOptions { NoPadding = true };
        var oldKey = ForBuild(old);
        var newKey = ForBuild(updated);
        try
        {
            var oldHeaders = PacketBuilder.GetFrameLength(oldKey, noPad);
            var newHeaders = PacketBuilder.GetFrameLength(newKey, noPad);
            var payload = Math.Max(0, work.Length - oldHeaders);
            var buf = new byte[newHeaders + payload];
            PacketBuilder.Build(newKey, buf, noPad with { PayloadLength = payload });
            if (payload > 0)
            {
                work.Span.Slice(oldHeaders, payload).CopyTo(buf.AsSpan(newHeaders));
            }

            work = new Work(buf);
        }
        catch (ArgumentException)
        {
            // The key cannot be carried by a real packet: the frame stays as it was.
        }
    }

    private static FlowKey ForBuild(in FlowKey k)
    {
        var c = k;
        c.RecircId = 0;
        c.Metadata = 0;
        c.Words[2] = c.Words[3] = c.Words[4] = c.Words[5] = 0;
        return c;
    }

    private static void PushVlan(ref Work work, ref FlowKey key, PushVlanAction v)
    {
        if (work.Length < PacketParser.EthernetHeaderLength)
        {
            return;
        }

        var buf = new byte[work.Length + 4];
        var src = work.Span;
        src[..12].CopyTo(buf);
        BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(12), v.Tpid);
        BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(14), (ushort)(v.Tci & ~FlowKey.VlanCfi));
        src[12..].CopyTo(buf.AsSpan(16));
        work = new Work(buf);
        Reextract(work, ref key);
    }

    private static void PopVlan(ref Work work, ref FlowKey key)
    {
        var src = work.Span;
        if (src.Length < 18 || BinaryPrimitives.ReadUInt16BigEndian(src[12..]) is not (PacketParser.TpidVlan or PacketParser.TpidQinQ))
        {
            return;
        }

        var buf = new byte[work.Length - 4];
        src[..12].CopyTo(buf);
        src[16..].CopyTo(buf.AsSpan(12));
        work = new Work(buf);
        Reextract(work, ref key);
    }

    private static void Reextract(in Work work, ref FlowKey key)
    {
        var recirc = key.RecircId;
        PacketParser.Extract(work.Span, key.InPort, ref key);
        key.RecircId = recirc;
    }

    /// <summary>The packet being processed: the caller's frame until an action rewrites it (rewrites build a new array).</summary>
    private struct Work(byte[] buffer)
    {
        public byte[] Buffer = buffer;

        public readonly int Length => Buffer.Length;

        public readonly ReadOnlySpan<byte> Span => Buffer;

        public readonly Work Copy() => new(Buffer);
    }
}
