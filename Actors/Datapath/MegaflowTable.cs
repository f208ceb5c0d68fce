using System.Runtime.CompilerServices;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Datapath;

/// <summary>One subtable as <see cref="MegaflowTable.Subtables"/> reports it.</summary>
/// <param name="Mask">The subtable's mask.</param>
/// <param name="Flows">Flows in it.</param>
/// <param name="Hits">Hits since the last <see cref="MegaflowTable.Optimize"/>.</param>
/// <param name="TotalHits">Hits since the subtable was created.</param>
public readonly record struct SubtableInfo(FlowMask Mask, int Flows, long Hits, long TotalHits);

/// <summary>
/// The megaflow table of one datapath shard: OVS's dpcls with the kernel's put semantics
/// (ovs-brief §1.2–§1.3, §2.5, §4.4).
/// </summary>
/// <remarks>
/// <para><b>Lookup</b>: one subtable per distinct mask, each a hash map of keys already AND-ed with
/// the mask; subtables are walked in rank order and the first hit wins (no priorities: installed
/// megaflows are meant not to overlap). <see cref="Optimize"/> re-ranks them by hits since the
/// previous call (OVS does it every second) and clears those counters.</para>
/// <para><b>Put</b> (<see cref="Put(DpifFlowPut)"/>): the existing flow is found by UFID, else by
/// looking the new (masked) key up through every installed mask — the kernel's best-effort
/// overlap detection. Found + no MODIFY → EEXIST; absent + no CREATE → ENOENT; MODIFY replaces the
/// actions of the flow with the same match (ENOENT if the match differs), ZERO_STATS clears its
/// stats; the reply carries the pre-update stats (zero for a create).</para>
/// <para><b>Dump</b>: flows in creation order, resumable with a cursor (the creation sequence
/// number of the last flow returned), so it can run interleaved with puts and deletes: a flow
/// present for the whole dump is returned exactly once; one created or deleted meanwhile may or
/// may not be.</para>
/// <para>Not thread-safe: one owner (the shard actor) calls it.</para>
/// </remarks>
public sealed class MegaflowTable
{
    /// <summary>Flows per dump batch when the request says 0 (dpif-netdev: 50).</summary>
    public const int DefaultDumpBatch = 50;

    private readonly Func<long> _clock;
    private readonly Dictionary<FlowMask, Subtable> _byMask = [];
    private readonly Dictionary<Ufid, Megaflow> _byUfid = [];
    private Subtable[] _ranked = [];
    private Megaflow?[] _order = new Megaflow?[64];
    private long[] _orderSeq = new long[64];
    private int _orderCount;
    private long _nextSeq = 1;

    /// <summary>Creates an empty table; <paramref name="clock"/> (ms) stamps creation times.</summary>
    public MegaflowTable(Func<long>? clock = null) => _clock = clock ?? (() => 0);

    /// <summary>Number of installed flows.</summary>
    public int Count { get; private set; }

    /// <summary>Number of distinct masks (subtables).</summary>
    public int MaskCount => _ranked.Length;

    /// <summary>Subtables in the current rank order.</summary>
    public IReadOnlyList<SubtableInfo> Subtables =>
        [.. _ranked.Select(s => new SubtableInfo(s.Mask, s.Count, s.Hits, s.TotalHits))];

    /// <summary>Every installed flow, in creation order.</summary>
    public IEnumerable<Megaflow> Flows
    {
        get
        {
            for (var i = 0; i < _orderCount; i++)
            {
                if (_order[i] is { } f)
                {
                    yield return f;
                }
            }
        }
    }

    /// <summary>Looks a packet's key up; counts a hit on the subtable that matched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Megaflow? Lookup(in FlowKey key) => Lookup(key, out _);

    /// <summary>
    /// Looks a packet's key up; <paramref name="subtablesSearched"/> is how many subtables were
    /// probed (OVS's mask-hit statistic), counting the one that hit.
    /// </summary>
    public Megaflow? Lookup(in FlowKey key, out int subtablesSearched)
    {
        var ranked = _ranked;
        for (var i = 0; i < ranked.Length; i++)
        {
            var s = ranked[i];
            if (s.Find(key) is { } f)
            {
                s.Hits++;
                s.TotalHits++;
                subtablesSearched = i + 1;
                return f;
            }
        }

        subtablesSearched = ranked.Length;
        return null;
    }

    /// <summary>The first installed flow (in rank order) that matches <paramref name="key"/>, without counting a hit.</summary>
    public Megaflow? FindCovering(in FlowKey key)
    {
        foreach (var s in _ranked)
        {
            if (s.Find(key) is { } f)
            {
                return f;
            }
        }

        return null;
    }

    /// <summary>The flow with this UFID, or null.</summary>
    public Megaflow? Find(Ufid ufid) => _byUfid.GetValueOrDefault(ufid);

    /// <summary>The flow whose match is exactly <paramref name="match"/>, or null.</summary>
    public Megaflow? FindExact(in Match match)
    {
        if (!_byMask.TryGetValue(match.Mask, out var s))
        {
            return null;
        }

        var f = s.Find(match.Key);
        return f is not null && f.MaskedKey == match.Key ? f : null;
    }

    /// <summary>Executes a flow put (see the class remarks).</summary>
    public DpifReply Put(DpifFlowPut put)
    {
        ArgumentNullException.ThrowIfNull(put);
        var errno = Put(put.Flags, put.Match, put.Actions, put.Ufid, out var previous, out _);
        return errno == DpifErrno.Ok ? new DpifReply(0, previous) : new DpifReply(errno);
    }

    /// <summary>
    /// Executes a flow put and returns an errno (<see cref="DpifErrno"/>); on success
    /// <paramref name="flow"/> is the created or modified flow and <paramref name="previous"/> its
    /// stats before the put.
    /// </summary>
    public int Put(FlowPutFlags flags, in Match match, DpActions actions, Ufid? ufid, out FlowStats previous, out Megaflow? flow)
    {
        ArgumentNullException.ThrowIfNull(actions);
        previous = default;
        flow = null;
        var byUfid = ufid is { } u ? Find(u) : null;
        var existing = byUfid ?? FindCovering(match.Key);
        if (existing is null)
        {
            if ((flags & FlowPutFlags.Create) == 0)
            {
                return DpifErrno.ENOENT;
            }

            flow = Insert(match, actions, ufid);
            return DpifErrno.Ok;
        }

        if ((flags & FlowPutFlags.Modify) == 0)
        {
            return DpifErrno.EEXIST;
        }

        var target = byUfid ?? FindExact(match);
        if (target is null || target.Match != match)
        {
            // A different flow covers the key (or the UFID names another match): nothing to modify.
            return (flags & FlowPutFlags.Create) != 0 ? DpifErrno.EEXIST : DpifErrno.ENOENT;
        }

        previous = target.Stats;
        target.Actions = actions;
        target.Generation++;
        if ((flags & FlowPutFlags.ZeroStats) != 0)
        {
            target.ZeroStats();
        }

        flow = target;
        return DpifErrno.Ok;
    }

    /// <summary>
    /// Deletes by UFID when the request has one, else the flow covering the key; the reply carries
    /// the final stats, or ENOENT.
    /// </summary>
    public DpifReply Delete(DpifFlowDel del)
    {
        ArgumentNullException.ThrowIfNull(del);
        var f = Resolve(del.Key, del.Ufid);
        if (f is null)
        {
            return new DpifReply(DpifErrno.ENOENT);
        }

        Remove(f);
        return new DpifReply(0, f.Stats);
    }

    /// <summary>Removes an installed flow; false if it was not installed here.</summary>
    public bool Remove(Megaflow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (!flow.IsInstalled || flow.Subtable is not { } s || !_byMask.TryGetValue(s.Mask, out var mine) || !ReferenceEquals(s, mine))
        {
            return false;
        }

        s.Remove(flow);
        if (s.Count == 0)
        {
            _byMask.Remove(s.Mask);
            _ranked = [.. _ranked.Where(x => !ReferenceEquals(x, s))];
        }

        if (flow.Ufid is { } u)
        {
            _byUfid.Remove(u);
        }

        _order[flow.OrderIndex] = null;
        flow.IsInstalled = false;
        flow.Generation++;
        Count--;
        if (_orderCount > 256 && Count < _orderCount / 2)
        {
            CompactOrder();
        }

        return true;
    }

    /// <summary>Gets one flow by UFID or key, or ENOENT.</summary>
    public DpifReply Get(DpifFlowGet get)
    {
        ArgumentNullException.ThrowIfNull(get);
        var f = Resolve(get.Key, get.Ufid);
        return f is null ? new DpifReply(DpifErrno.ENOENT) : new DpifReply(0, null, f.ToDatapathFlow());
    }

    /// <summary>
    /// One batch of a dump: up to <see cref="DpifFlowDumpRequest.MaxBatch"/> flows (0 →
    /// <see cref="DefaultDumpBatch"/>) created after the cursor, in creation order.
    /// </summary>
    public DpifFlowDumpBatch Dump(DpifFlowDumpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var max = request.MaxBatch == 0 ? DefaultDumpBatch : (int)Math.Min(request.MaxBatch, int.MaxValue);
        var i = FirstAfter((long)request.Cursor);
        var flows = new List<DatapathFlow>(Math.Min(max, Count));
        long last = 0;
        for (; i < _orderCount && flows.Count < max; i++)
        {
            if (_order[i] is { } f)
            {
                flows.Add(f.ToDatapathFlow(request.Terse));
                last = f.Seq;
            }
        }

        while (i < _orderCount && _order[i] is null)
        {
            i++;
        }

        var done = i >= _orderCount;
        return new DpifFlowDumpBatch(flows, done, done ? 0 : (ulong)last);
    }

    /// <summary>
    /// Re-ranks subtables by their hits since the previous call (most hit first; ties keep their
    /// order) and clears those counters — dpcls_optimize, every second in OVS.
    /// </summary>
    public void Optimize()
    {
        var ranked = _ranked.ToArray();
        var sorted = ranked.OrderByDescending(s => s.Hits).ToArray();
        foreach (var s in sorted)
        {
            s.Hits = 0;
        }

        _ranked = sorted;
    }

    private Megaflow? Resolve(FlowKey? key, Ufid? ufid) =>
        ufid is { } u ? Find(u) : key is { } k ? FindCovering(k) : null;

    private Megaflow Insert(in Match match, DpActions actions, Ufid? ufid)
    {
        var f = new Megaflow(match, actions, ufid, _clock(), _nextSeq++);
        if (!_byMask.TryGetValue(match.Mask, out var s))
        {
            s = new Subtable(match.Mask);
            _byMask[match.Mask] = s;
            _ranked = [.. _ranked, s];
        }

        s.Add(f);
        if (ufid is { } u)
        {
            _byUfid[u] = f;
        }

        if (_orderCount == _order.Length)
        {
            Array.Resize(ref _order, _order.Length * 2);
            Array.Resize(ref _orderSeq, _order.Length);
        }

        f.OrderIndex = _orderCount;
        _order[_orderCount] = f;
        _orderSeq[_orderCount] = f.Seq;
        _orderCount++;
        Count++;
        return f;
    }

    private int FirstAfter(long cursor)
    {
        int lo = 0, hi = _orderCount;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_orderSeq[mid] <= cursor)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void CompactOrder()
    {
        var n = 0;
        for (var i = 0; i < _orderCount; i++)
        {
            if (_order[i] is { } f)
            {
                f.OrderIndex = n;
                _order[n] = f;
                _orderSeq[n] = f.Seq;
                n++;
            }
        }

        Array.Clear(_order, n, _orderCount - n);
        _orderCount = n;
    }
}
