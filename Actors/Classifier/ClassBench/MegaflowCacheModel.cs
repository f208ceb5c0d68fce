using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.ClassBench;

/// <summary>
/// The datapath's megaflow cache as the replays count it: megaflows grouped by mask, masks kept in
/// creation order (OVS's dpcls before it ranks subtables by hits), no eviction.
/// </summary>
public sealed class MegaflowCacheModel
{
    private readonly List<(FlowMask Mask, HashSet<FlowKey> Keys)> _masks = [];
    private readonly Dictionary<FlowMask, int> _index = [];
    private long _hits;
    private long _probedOnHits;

    /// <summary>Megaflows installed.</summary>
    public int Megaflows { get; private set; }

    /// <summary>Distinct megaflow masks.</summary>
    public int Masks => _masks.Count;

    /// <summary>Packets that an installed megaflow covered.</summary>
    public long Hits => _hits;

    /// <summary>Average masks probed per hit, in creation order, up to the one that hit.</summary>
    public double MasksProbedPerHit => _hits == 0 ? 0 : (double)_probedOnHits / _hits;

    /// <summary>True when an installed megaflow covers <paramref name="packet"/> (counts the hit and the masks probed).</summary>
    public bool Hit(in FlowKey packet)
    {
        for (var i = 0; i < _masks.Count; i++)
        {
            if (_masks[i].Keys.Contains(packet.Masked(_masks[i].Mask)))
            {
                _hits++;
                _probedOnHits += i + 1;
                return true;
            }
        }

        return false;
    }

    /// <summary>Installs the megaflow of <paramref name="packet"/> under <paramref name="mask"/>.</summary>
    public void Install(in FlowKey packet, in FlowMask mask)
    {
        if (!_index.TryGetValue(mask, out var i))
        {
            i = _masks.Count;
            _index[mask] = i;
            _masks.Add((mask, []));
        }

        if (_masks[i].Keys.Add(packet.Masked(mask)))
        {
            Megaflows++;
        }
    }

    /// <summary>The installed megaflows as matches (key masked, mask).</summary>
    public IEnumerable<Match> Flows() => _masks.SelectMany(m => m.Keys.Select(k => new Match(k, m.Mask)));
}
