using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.Workloads;

/// <summary>
/// A port of the workload of OVS's <c>ovstest test-classifier benchmark N_RULES N_PRIORITIES
/// N_SUBTABLES 1 N_LOOKUPS</c> (tests/test-classifier.c, OVS 3.1), rebuilt from its description so
/// that hits and misses equal OVS's for the same arguments.
/// </summary>
/// <remarks>
/// <para>What it does: OVS's PRNG (xorshift32, seeded with 1) draws N_SUBTABLES distinct 13-bit
/// "wildcard field sets"; priorities <c>i·129</c> are shuffled; 2 × 4096 lookup flows are drawn
/// from 13 fields × 2 values; then N_RULES rules are drawn (a priority, a field set, a 13-bit value
/// pattern), skipping a rule when an identical one exists. Lookups re-seed the PRNG with 1 and pick
/// flows at random.</para>
/// <para>Two facts read from OVS 3.1's source matter: (1) its rule builder sets the value and an
/// exact mask of all 13 fields whatever the field set, so every rule lands in one subtable and the
/// field set only decides whether the priority is kept (non-zero set) or 0; N_SUBTABLES therefore
/// only changes the random sequence. (2) The lookup flows set 13 fields from a 12-bit draw, so
/// nw_dscp is always its first value (48).</para>
/// <para>Field mapping: VSwarm has no tunnel fields, so tun_id (64 bits, metadata stage in OVS)
/// is stored in reg0:reg1 (word 2, also metadata stage); nw_dscp is the DSCP bits (0xfc) of
/// nw_tos, as in OVS. in_port is masked with 0xffff and vlan_tci with 0xffff as OVS does.</para>
/// </remarks>
public sealed class OvsClassifierBenchmark
{
    private const int Fields = 13;
    private const int FlowValues = 4096; // N_FLOW_VALUES: 12 fields of 2 values (metadata is not counted)

    private static readonly uint[] NwSrc = [0xc0a80001, 0xc0a04455];
    private static readonly uint[] NwDst = [0xc0a80002, 0xc0a04455];
    private static readonly ulong[] TunId = [0, 0xfedcba9876543210];
    private static readonly ulong[] MetadataValues = [0, 0xfedcba9876543210];
    private static readonly uint[] InPort = [1, 0xfffe];
    private static readonly ushort[] VlanTci = [101, 0];
    private static readonly ushort[] DlType = [0x0800, 0x0806];
    private static readonly ushort[] TpSrc = [49362, 80];
    private static readonly ushort[] TpDst = [6667, 22];
    private static readonly ulong[] DlSrc = [0x0002e30f80a4, 0x5e337f5f1e99];
    private static readonly ulong[] DlDst = [0x4a2771ae64c1, 0xffffffffffff];
    private static readonly byte[] NwProto = [6, 1];
    private static readonly byte[] NwDscp = [48, 0];

    private OvsClassifierBenchmark(TupleSpaceClassifier<int> classifier, FlowKey[] flows, int rulesInserted)
    {
        Classifier = classifier;
        Flows = flows;
        RulesInserted = rulesInserted;
    }

    /// <summary>The classifier with the rules inserted.</summary>
    public TupleSpaceClassifier<int> Classifier { get; }

    /// <summary>The 2 × N_FLOW_VALUES lookup flows.</summary>
    public FlowKey[] Flows { get; }

    /// <summary>Rules actually inserted (duplicates are skipped).</summary>
    public int RulesInserted { get; }

    /// <summary>OVS's random.c generator: xorshift32; random_range(n) = next % n.</summary>
    public struct OvsRandom(uint seed)
    {
        private uint _seed = seed;

        public uint Next()
        {
            _seed ^= _seed << 13;
            _seed ^= _seed >> 17;
            _seed ^= _seed << 5;
            return _seed;
        }

        public int Range(int max) => (int)(Next() % (uint)max);
    }

    /// <summary>Builds the workload for OVS's arguments.</summary>
    public static OvsClassifierBenchmark Build(int nRules, int nPriorities, int nSubtables)
    {
        var rng = new OvsRandom(1);
        var wcfs = new int[nSubtables];
        for (var i = 0; i < nSubtables; i++)
        {
            do
            {
                wcfs[i] = (int)(rng.Next() & ((1u << Fields) - 1));
            }
            while (Array.IndexOf(wcfs, wcfs[i], 0, i) >= 0);
        }

        var priorities = new int[nPriorities];
        for (var i = 0; i < nPriorities; i++)
        {
            priorities[i] = (i * 129) & int.MaxValue;
        }

        for (var n = nPriorities; n > 1; n--)
        {
            var p = nPriorities - n;
            var q = p + rng.Range(n);
            (priorities[p], priorities[q]) = (priorities[q], priorities[p]);
        }

        var cls = new TupleSpaceClassifier<int>(PrefixFields.Default);
        var flows = new FlowKey[2 * FlowValues];
        for (var i = 0; i < flows.Length; i++)
        {
            var x = (uint)rng.Range(FlowValues);
            int Bit()
            {
                var r = (int)(x % 2);
                x /= 2;
                return r;
            }

            var f = default(FlowKey);
            f.NwSrc = NwSrc[Bit()];
            f.NwDst = NwDst[Bit()];
            f.Words[2] = TunId[Bit()];
            f.Metadata = MetadataValues[Bit()];
            f.InPort = InPort[Bit()];
            f.VlanTci = VlanTci[Bit()];
            f.DlType = DlType[Bit()];
            f.TpSrc = TpSrc[Bit()];
            f.TpDst = TpDst[Bit()];
            f.DlSrc = DlSrc[Bit()];
            f.DlDst = DlDst[Bit()];
            f.NwProto = NwProto[Bit()];
            f.NwTos = NwDscp[Bit()];
            flows[i] = f;
        }

        var inserted = 0;
        var maps = new OvsHashMapDraws();
        for (var i = 0; i < nRules; i++)
        {
            var priority = priorities[rng.Range(nPriorities)];
            var wcf = wcfs[rng.Range(nSubtables)];
            var pattern = (int)(rng.Next() & ((1u << Fields) - 1));
            var match = MakeMatch(pattern);
            var pri = wcf != 0 ? (priority == int.MaxValue ? priority - 1 : priority) : 0;
            if (cls.FindExactly(match, pri, ClassifierVersion.Min) is null)
            {
                maps.BeforeInsert(cls, match, ref rng);
                cls.Insert(new ClassifierRule<int>(match, pri, i));
                inserted++;
            }
        }

        return new OvsClassifierBenchmark(cls, flows, inserted);
    }

    private static Match MakeMatch(int pattern)
    {
        int V(int field) => (pattern >> field) & 1;
        var k = default(FlowKey);
        var m = default(FlowMask);
        k.Words[2] = TunId[V(0)];
        m.Words[2] = ulong.MaxValue;
        k.Metadata = MetadataValues[V(1)];
        m.Unwildcard(FlowFields.Metadata);
        k.NwSrc = NwSrc[V(2)];
        m.Unwildcard(FlowFields.NwSrc);
        k.NwDst = NwDst[V(3)];
        m.Unwildcard(FlowFields.NwDst);
        k.InPort = InPort[V(4)];
        m.Set(FlowFields.InPort, 0xffff);
        k.VlanTci = VlanTci[V(5)];
        m.Set(FlowFields.VlanTci, 0xffff);
        k.DlType = DlType[V(6)];
        m.Unwildcard(FlowFields.DlType);
        k.TpSrc = TpSrc[V(7)];
        m.Unwildcard(FlowFields.TpSrc);
        k.TpDst = TpDst[V(8)];
        m.Unwildcard(FlowFields.TpDst);
        k.DlSrc = DlSrc[V(9)];
        m.Unwildcard(FlowFields.DlSrc);
        k.DlDst = DlDst[V(10)];
        m.Unwildcard(FlowFields.DlDst);
        k.NwProto = NwProto[V(11)];
        m.Unwildcard(FlowFields.NwProto);
        k.NwTos = NwDscp[V(12)];
        m.Set(FlowFields.NwTos, 0xfc);
        return new Match(k, m);
    }

    /// <summary>
    /// OVS's lookup loop: re-seed with 1, then <paramref name="nLookups"/> lookups of random flows,
    /// with a fresh catch-all wildcard mask per lookup when <paramref name="useWildcards"/>.
    /// </summary>
    public (int Hits, int Misses) Run(int nLookups, bool useWildcards)
    {
        var rng = new OvsRandom(1);
        var cls = Classifier;
        var flows = Flows;
        int hits = 0, misses = 0;
        for (var i = 0; i < nLookups; i++)
        {
            var x = rng.Range(flows.Length);
            ClassifierRule<int>? r;
            if (useWildcards)
            {
                var wc = default(FlowMask);
                r = cls.Lookup(flows[x], ClassifierVersion.Min, ref wc);
            }
            else
            {
                r = cls.Lookup(flows[x], ClassifierVersion.Min);
            }

            if (r is null)
            {
                misses++;
            }
            else
            {
                hits++;
            }
        }

        return (hits, misses);
    }

    /// <summary>
    /// OVS's cmap and ccmap draw a random hash basis from the same PRNG whenever they allocate a
    /// table (ccmap_init, and every growth of either), so rule insertion consumes random numbers
    /// between the rule draws. This replays those draws: subtables_map (cmap, first insert grows
    /// from the static empty map), one ccmap per stage index created with the subtable and grown
    /// when its distinct-hash count reaches 85% of 8 slots per bucket, and the subtable's rules
    /// cmap grown at 85% of 5 entries per bucket. (Re-draws after a failed cuckoo rehash are not
    /// replayed; they need OVS's exact hash values and did not happen in the reference runs.)
    /// </summary>
    private sealed class OvsHashMapDraws
    {
        private readonly Dictionary<FlowMask, SubtableState> _subtables = [];
        private int _subtablesN;
        private uint _subtablesMask = uint.MaxValue; // the static empty cmap: max_n 0

        private sealed class SubtableState(int nIndices)
        {
            public readonly HashSet<ulong>[] Unique = [.. Enumerable.Range(0, nIndices).Select(_ => new HashSet<ulong>())];
            public readonly uint[] IndexMask = new uint[nIndices];
            public readonly HashSet<ulong> Matches = [];
            public int RulesN;
            public uint RulesMask = uint.MaxValue;
        }

        private static int CmapMax(uint mask) => mask == uint.MaxValue ? 0 : (int)(((ulong)(mask + 1) * 5 * 3650722201UL) >> 32);

        private static int CcmapMax(uint mask) => (int)(((ulong)(mask + 1) * 8 * 3650722201UL) >> 32);

        private static uint Grow(uint mask) => mask == uint.MaxValue ? 1 : (mask << 1) | 1;

        public void BeforeInsert(TupleSpaceClassifier<int> cls, in Match match, ref OvsRandom rng)
        {
            var sub = cls.SubtableFor(match.Mask);
            if (!_subtables.TryGetValue(match.Mask, out var st))
            {
                var probe = sub ?? new Subtable<int>(match.Mask, 0, []);
                st = new SubtableState(probe.NIndices);
                _subtables.Add(match.Mask, st);
                for (var i = 0; i < probe.NIndices; i++)
                {
                    rng.Next(); // ccmap_init
                }

                if (_subtablesN >= CmapMax(_subtablesMask))
                {
                    _subtablesMask = Grow(_subtablesMask);
                    rng.Next();
                }

                _subtablesN++;
            }

            var s = sub ?? new Subtable<int>(match.Mask, 0, []);
            Span<ulong> stageHashes = stackalloc ulong[FlowLayout.StageCount];
            s.Hashes(match.Key, stageHashes, out var full);
            if (!st.Matches.Add(full))
            {
                return; // chained behind an identical match: no map insert
            }

            for (var i = 0; i < st.IndexMask.Length; i++)
            {
                if (st.Unique[i].Count >= CcmapMax(st.IndexMask[i]))
                {
                    st.IndexMask[i] = Grow(st.IndexMask[i]);
                    rng.Next();
                }

                st.Unique[i].Add(stageHashes[i]);
            }

            if (st.RulesN >= CmapMax(st.RulesMask))
            {
                st.RulesMask = Grow(st.RulesMask);
                rng.Next();
            }

            st.RulesN++;
        }
    }
}
