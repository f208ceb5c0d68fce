namespace VSwarm.Actors.Classifier;

/// <summary>
/// How a prefix-trie skip un-wildcards bits when a subtable has several trie fields.
/// </summary>
/// <remarks>
/// OVS 3.1's check_tries lets a trie decline to skip a subtable (a rule of this prefix length
/// may match, or skipping would need more bits than the subtable uses) and a later trie skip it;
/// the megaflow then gets only the later trie's bits, although the earlier trie's decision
/// depended on its own field. Packets that differ there take the other path and get a different
/// mask, so two megaflows overlap. Confirmed with the real OVS 3.1 (tests/Golden/Classifier/
/// trie-overlap.*): rules <c>priority=100,ip,nw_src=10.0.0.0,nw_dst=192.168.0.0/31</c> and
/// <c>priority=50,ip,nw_src=10.0.0.0/7</c> give <c>nw_src=10.1.0.0/16</c> for a packet to
/// 192.168.0.0 and <c>nw_src=10.0.0.0/7,nw_dst=128.0.0.0/2</c> for one to 164.24.210.156, both
/// from 10.1.3.1.
/// </remarks>
public enum TrieSkipMode
{
    /// <summary>Exactly OVS 3.1, overlaps included (the default: VSwarm models OVS).</summary>
    Ovs31 = 0,

    /// <summary>
    /// VSwarm's correction: when a trie skips, also un-wildcard the prefix bits of every trie that
    /// declined before it in the same stage (never more than the subtable itself matches on those
    /// fields). Megaflows are then sound and disjoint.
    /// </summary>
    Sound = 1,
}
