namespace VSwarm.Actors.Classifier;

/// <summary>
/// Where a subtable goes among subtables of equal max priority, as OVS 3.1 orders them. OVS keeps
/// subtables in a priority vector (lib/pvector.c): a new subtable is appended, a changed max
/// priority is written in place, and the vector is then sorted by priority with glibc's qsort,
/// which on Debian 12 (glibc 2.36) is a stable merge sort. So a subtable that is new or whose max
/// priority rose ends up last among its new equals, one whose max priority fell ends up first,
/// and the others keep their relative order. Ordering by (max priority descending, rank
/// ascending) with ranks from this generator reproduces that: the real OVS gives different
/// megaflows for the same rules loaded in another order, and so does VSwarm.
/// </summary>
internal struct SubtableRanks
{
    private long _high;
    private long _low;

    /// <summary>The rank of a subtable that is new or whose max priority rose: after all its equals.</summary>
    public long Last() => _high++;

    /// <summary>The rank of a subtable whose max priority fell: before all its equals.</summary>
    public long First() => --_low;
}
