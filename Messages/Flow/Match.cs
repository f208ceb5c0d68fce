namespace VSwarm.Messages.Flow;

/// <summary>
/// A key and a mask, as OVS's struct match, with OVS's invariant that the key's wildcarded bits
/// are zero (the constructor enforces it). A packet matches when it equals the key on every bit
/// the mask matches.
/// </summary>
public readonly struct Match : IEquatable<Match>
{
    /// <summary>Creates a match; the key is masked so that wildcarded bits read as zero.</summary>
    public Match(in FlowKey key, in FlowMask mask)
    {
        Key = key.Masked(mask);
        Mask = mask;
    }

    /// <summary>The masked key.</summary>
    public FlowKey Key { get; }

    /// <summary>The mask.</summary>
    public FlowMask Mask { get; }

    /// <summary>The match of everything (an empty mask).</summary>
    public static Match CatchAll => default;

    /// <summary>True when the packet agrees with the key on every matched bit.</summary>
    public bool Matches(in FlowKey packet) => packet.MaskedEquals(Key, Mask);

    /// <summary>
    /// True when some packet matches both: the keys agree wherever both masks match. This is the
    /// test behind OpenFlow's CHECK_OVERLAP (for rules of equal priority) and the datapath's
    /// megaflow-overlap invariant.
    /// </summary>
    public bool Overlaps(in Match other) =>
        Key.MaskedEquals(other.Key, Mask.Intersect(other.Mask));

    /// <summary>
    /// OVS's cls_rule_is_loose_match: this match is at least as specific as
    /// <paramref name="criteria"/> (it matches every bit the criteria match) and agrees with it
    /// on those bits. OpenFlow's non-strict modify and delete select rules this way.
    /// </summary>
    public bool IsLooseMatchOf(in Match criteria) =>
        !Mask.HasExtraBits(criteria.Mask) && Key.MaskedEquals(criteria.Key, criteria.Mask);

    /// <inheritdoc/>
    public bool Equals(Match other) => Mask.Equals(other.Mask) && Key.Equals(other.Key);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Match m && Equals(m);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key.GetHashCode(), Mask.GetHashCode());

    /// <summary>Equality of key and mask.</summary>
    public static bool operator ==(Match left, Match right) => left.Equals(right);

    /// <summary>Inequality of key or mask.</summary>
    public static bool operator !=(Match left, Match right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{Key}/{Mask}";
}
