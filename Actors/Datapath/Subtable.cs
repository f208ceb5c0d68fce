using System.Runtime.CompilerServices;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// A dpcls subtable: the flows of one mask, in a hash map of their masked keys. The hash only
/// covers the words the mask touches.
/// </summary>
internal sealed class Subtable
{
    internal readonly FlowMask Mask;
    private readonly Dictionary<ulong, Megaflow> _buckets = [];
    private readonly int _from;
    private readonly int _to;

    internal Subtable(in FlowMask mask)
    {
        Mask = mask;
        var w = mask.ReadOnlyWords;
        _from = 0;
        while (_from < FlowLayout.Words && w[_from] == 0)
        {
            _from++;
        }

        _to = FlowLayout.Words;
        while (_to > _from && w[_to - 1] == 0)
        {
            _to--;
        }
    }

    /// <summary>Hits since the last <see cref="MegaflowTable.Optimize"/>.</summary>
    internal long Hits;

    /// <summary>Hits since creation.</summary>
    internal long TotalHits;

    internal int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong HashOf(in FlowKey key) =>
        FlowWordOps.Finish(FlowWordOps.MaskedHash(key.ReadOnlyWords, Mask.ReadOnlyWords, _from, _to, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Megaflow? Find(in FlowKey key)
    {
        if (_buckets.TryGetValue(HashOf(key), out var f))
        {
            for (; f is not null; f = f.NextInBucket)
            {
                if (FlowWordOps.MaskedEquals(key.ReadOnlyWords, f.MaskedKey.ReadOnlyWords, Mask.ReadOnlyWords))
                {
                    return f;
                }
            }
        }

        return null;
    }

    internal void Add(Megaflow flow)
    {
        flow.Hash = HashOf(flow.MaskedKey);
        flow.Subtable = this;
        flow.NextInBucket = _buckets.TryGetValue(flow.Hash, out var head) ? head : null;
        _buckets[flow.Hash] = flow;
        Count++;
    }

    internal void Remove(Megaflow flow)
    {
        if (!_buckets.TryGetValue(flow.Hash, out var head))
        {
            return;
        }

        if (ReferenceEquals(head, flow))
        {
            if (flow.NextInBucket is { } next)
            {
                _buckets[flow.Hash] = next;
            }
            else
            {
                _buckets.Remove(flow.Hash);
            }
        }
        else
        {
            var p = head;
            while (p.NextInBucket is not null && !ReferenceEquals(p.NextInBucket, flow))
            {
                p = p.NextInBucket;
            }

            if (p.NextInBucket is null)
            {
                return;
            }

            p.NextInBucket = flow.NextInBucket;
        }

        flow.NextInBucket = null;
        flow.Subtable = null;
        Count--;
    }
}
