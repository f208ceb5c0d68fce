using System.Numerics;
using System.Runtime.CompilerServices;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>One distinct masked match of a subtable and its identical-match rules.</summary>
internal sealed class MatchEntry<T>(ulong hash, in FlowKey key, ClassifierRule<T>[] chain) : HashedEntry(hash)
{
    /// <summary>The masked key shared by the rules.</summary>
    public readonly FlowKey Key = key;

    /// <summary>
    /// The rules with this match in decreasing priority (equal priorities in insertion order). An
    /// immutable array replaced as a whole by the writer.
    /// </summary>
    public ClassifierRule<T>[] Chain = chain;
}

/// <summary>A classifier-wide prefix trie on one field (OVS's cls_trie).</summary>
internal sealed class ClassifierTrie(FlowField field)
{
    public readonly FlowField Field = field;
    public readonly ushort Prerequisite = PrefixFields.Prerequisite(field) ?? throw new ArgumentException(field.Name);
    public readonly PrefixTrie Trie = new(field.Bits);
    public readonly int Shift = 128 - field.Bits;

    /// <summary>The field's value in a key, left-aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt128 Value(in FlowKey key) => Field.Read(key.ReadOnlyWords) << Shift;
}

/// <summary>
/// A subtable's view of the classifier's tries: its CIDR length on each trie field (0 = not
/// applicable) and the stage that holds the field. Replaced as a whole when the tries are
/// reconfigured; a lookup that started with other tries ignores it (no skipping, which is safe).
/// </summary>
internal sealed class TrieView(ClassifierTrie[] tries, int[] plens, int[] stages)
{
    public readonly ClassifierTrie[] Tries = tries;
    public readonly int[] Plens = plens;
    public readonly int[] Stages = stages;
    public readonly bool Any = plens.Any(p => p > 0);
}

/// <summary>Per-lookup state of one trie (OVS's trie_ctx): looked up at most once per lookup.</summary>
internal struct TrieContext
{
    public bool Done;
    public int MaskBits;
    public UInt128 Plens;
}

[InlineArray(PrefixFields.MaxTries)]
internal struct TrieContexts
{
    private TrieContext _element0;
}

/// <summary>
/// All rules with one mask (OVS's cls_subtable): a hash table of masked matches, per-stage counting
/// indices for staged lookup, the CIDR lengths on the trie fields and a ports trie.
/// </summary>
internal sealed class Subtable<T>
{
    private static readonly MatchEntry<T> TombstoneEntry = new(0, default, []);

    public Subtable(in FlowMask mask, long rank, ClassifierTrie[] tries)
    {
        Mask = mask;
        Rank = rank;
        var m = mask.ReadOnlyWords;
        var starts = FlowLayout.StageStarts;

        // Non-empty segments; the last one is the final stage, the others are indexed stages.
        var words = new List<int>();
        var stageEnds = new List<int>();
        var stageSegment = new List<int>();
        for (var s = 0; s < FlowLayout.StageCount; s++)
        {
            var before = words.Count;
            for (var w = starts[s]; w < starts[s + 1]; w++)
            {
                if (m[w] != 0)
                {
                    words.Add(w);
                }
            }

            if (words.Count > before)
            {
                stageEnds.Add(words.Count);
                stageSegment.Add(s);
            }
        }

        Words = [.. words];
        MaskWords = new ulong[words.Count];
        for (var i = 0; i < words.Count; i++)
        {
            MaskWords[i] = m[words[i]];
        }

        NIndices = Math.Max(0, stageEnds.Count - 1);
        StageWordEnd = stageEnds.Count == 0 ? [0] : [.. stageEnds];
        StageSegment = stageSegment.Count == 0 ? [FlowLayout.StageCount - 1] : [.. stageSegment];
        Indices = new CountingHashSet[NIndices];
        for (var i = 0; i < NIndices; i++)
        {
            Indices[i] = new CountingHashSet();
        }

        PortsMask = (uint)(m[FlowLayout.PortsWord] >> 32);
        PortsMaskLen = PortsMask == 0 ? 0 : 32 - BitOperations.TrailingZeroCount(PortsMask);
        PortsTrie = new PrefixTrie(32);
        Table = new EntryTable<MatchEntry<T>>(TombstoneEntry);
        TrieView = BuildTrieView(tries);
    }

    /// <summary>The mask.</summary>
    public readonly FlowMask Mask;

    /// <summary>Position among subtables of equal max priority (see <see cref="SubtableRanks"/>); writer only.</summary>
    public long Rank;

    /// <summary>Indices of the words the mask has bits in, in layout order.</summary>
    public readonly int[] Words;

    /// <summary>The mask's value of each of <see cref="Words"/>.</summary>
    public readonly ulong[] MaskWords;

    /// <summary>Number of indexed stages (OVS n_indices); stage <see cref="NIndices"/> is the final stage.</summary>
    public readonly int NIndices;

    /// <summary>For stage i (indices then final): the end in <see cref="Words"/> of the words of stages 0..i.</summary>
    public readonly int[] StageWordEnd;

    /// <summary>For stage i: the flow segment (0 metadata, 1 L2, 2 L3, 3 L4) it covers.</summary>
    public readonly int[] StageSegment;

    /// <summary>Counting hash sets of the running hash after each indexed stage.</summary>
    public readonly CountingHashSet[] Indices;

    /// <summary>The 32-bit ports word of the mask (tp_src&lt;&lt;16 | tp_dst).</summary>
    public readonly uint PortsMask;

    /// <summary>OVS's ports_mask_len: 32 − trailing zeros of <see cref="PortsMask"/>, 0 if zero.</summary>
    public readonly int PortsMaskLen;

    /// <summary>The ports trie (prefixes of length <see cref="PortsMaskLen"/>).</summary>
    public readonly PrefixTrie PortsTrie;

    /// <summary>The distinct masked matches.</summary>
    public readonly EntryTable<MatchEntry<T>> Table;

    /// <summary>The trie lengths for the current trie configuration.</summary>
    public TrieView TrieView;

    // Writer-side bookkeeping.
    public int MaxPriority = int.MinValue;
    public int MaxCount;

    /// <summary>Rules per priority (writer only), so the max priority is found again in O(log n) on removal.</summary>
    public readonly Dictionary<int, int> PriorityCounts = [];

    /// <summary>The distinct priorities of <see cref="PriorityCounts"/>, sorted (writer only).</summary>
    public readonly SortedSet<int> Priorities = [];
    public int RuleCount;

    /// <summary>OVS's trie_plen for a field: its CIDR length in the mask, 0 when not a CIDR prefix.</summary>
    public int TriePlen(FlowField field)
    {
        var len = field.PrefixLength(Mask.Get(field));
        return len < 0 ? 0 : len;
    }

    public TrieView BuildTrieView(ClassifierTrie[] tries)
    {
        var plens = new int[tries.Length];
        var stages = new int[tries.Length];
        for (var j = 0; j < tries.Length; j++)
        {
            plens[j] = TriePlen(tries[j].Field);
            stages[j] = -1;
            var segment = (int)FlowLayout.StageOf(tries[j].Field.Word);
            for (var i = 0; i < StageSegment.Length; i++)
            {
                if (StageSegment[i] == segment)
                {
                    stages[j] = i;
                }
            }

            if (stages[j] < 0)
            {
                plens[j] = 0;
            }
        }

        return new TrieView(tries, plens, stages);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong h, ulong w) => BitOperations.RotateLeft((h ^ w) * 0x9E3779B97F4A7C15UL, 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Fin(ulong h) => h ^ (h >> 29) ^ (h >> 47);

    /// <summary>The running hashes after each indexed stage and the full hash, for a (masked) key.</summary>
    public void Hashes(in FlowKey key, Span<ulong> stageHashes, out ulong full)
    {
        var k = key.ReadOnlyWords;
        ulong h = 0;
        var pos = 0;
        for (var i = 0; i < NIndices; i++)
        {
            for (; pos < StageWordEnd[i]; pos++)
            {
                h = Mix(h, k[Words[pos]] & MaskWords[pos]);
            }

            stageHashes[i] = Fin(h);
        }

        for (; pos < Words.Length; pos++)
        {
            h = Mix(h, k[Words[pos]] & MaskWords[pos]);
        }

        full = Fin(h);
    }

    /// <summary>The full hash of a flow under the mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FullHash(in FlowKey flow)
    {
        var k = flow.ReadOnlyWords;
        var words = Words;
        var maskWords = MaskWords;
        ulong h = 0;
        for (var pos = 0; pos < words.Length; pos++)
        {
            h = Mix(h, k[words[pos]] & maskWords[pos]);
        }

        return Fin(h);
    }

    /// <summary>The entry whose masked key equals the flow under the mask (lock-free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatchEntry<T>? FindEntry(in FlowKey flow, ulong hash)
    {
        var slots = Table.Slots;
        var mask = slots.Length - 1;
        var m = Mask.ReadOnlyWords;
        var f = flow.ReadOnlyWords;
        for (var i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            var e = slots[i];
            if (e is null)
            {
                return null;
            }

            if (e.Hash == hash && !ReferenceEquals(e, TombstoneEntry) && FlowWordOps.MaskedEquals(e.Key.ReadOnlyWords, f, m))
            {
                return e;
            }
        }
    }

    /// <summary>The first rule of an entry's chain visible in the version.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ClassifierRule<T>? FirstVisible(MatchEntry<T> entry, ulong version)
    {
        foreach (var r in entry.Chain)
        {
            if (r.IsVisibleIn(version))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>OVS's find_match: the best visible rule without wildcard tracking.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ClassifierRule<T>? FindMatch(in FlowKey flow, ulong version)
    {
        var e = FindEntry(flow, FullHash(flow));
        return e is null ? null : FirstVisible(e, version);
    }

    /// <summary>ORs the mask words of the stages up to word position <paramref name="end"/> into wc (FOLD).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fold(ref FlowMask wc, int end)
    {
        var w = wc.Words;
        var words = Words;
        var maskWords = MaskWords;
        for (var pos = 0; pos < end; pos++)
        {
            w[words[pos]] |= maskWords[pos];
        }
    }

    /// <summary>
    /// OVS's find_match_wc: staged lookup with trie skipping and the ports trie; ORs into wc the
    /// bits that decided the result (§3.3 of the brief).
    /// </summary>
    public ClassifierRule<T>? FindMatchWc(in FlowKey flow, ulong version, ClassifierTrie[] tries, TrieSkipMode trieSkip, ref TrieContexts ctx, ref FlowMask wc)
    {
        var view = TrieView;
        var useTries = view.Any && ReferenceEquals(view.Tries, tries);
        var k = flow.ReadOnlyWords;
        var words = Words;
        var maskWords = MaskWords;
        ulong h = 0;
        var pos = 0;
        var folded = 0; // words of the stages examined so far
        for (var i = 0; i < NIndices; i++)
        {
            if (useTries && CheckTries(view, i, flow, trieSkip, ref ctx, ref wc))
            {
                Fold(ref wc, folded);
                return null;
            }

            var end = StageWordEnd[i];
            for (; pos < end; pos++)
            {
                h = Mix(h, k[words[pos]] & maskWords[pos]);
            }

            folded = end;
            if (!Indices[i].Contains(Fin(h)))
            {
                Fold(ref wc, folded);
                return null;
            }
        }

        if (useTries && CheckTries(view, NIndices, flow, trieSkip, ref ctx, ref wc))
        {
            Fold(ref wc, folded);
            return null;
        }

        for (; pos < words.Length; pos++)
        {
            h = Mix(h, k[words[pos]] & maskWords[pos]);
        }

        var entry = FindEntry(flow, Fin(h));
        var rule = entry is null ? null : FirstVisible(entry, version);
        if (rule is null && PortsMaskLen > 0)
        {
            // Ports trie: un-wildcard only the port bits needed to tell this flow from the
            // subtable's port values, instead of the whole ports mask.
            var value = flow.PortsWord & PortsMask;
            UInt128 plens = 0;
            var mbits = PrefixTrie.Lookup(PortsTrie.Root, (UInt128)value << 96, 32, ref plens);
            var ww = wc.Words;
            var before = (uint)(ww[FlowLayout.PortsWord] >> 32);
            var ports = (PortsMask & (mbits == 0 ? 0 : uint.MaxValue << (32 - mbits))) | before;
            Fold(ref wc, words.Length);
            ww[FlowLayout.PortsWord] = (ww[FlowLayout.PortsWord] & 0xFFFF_FFFFUL) | ((ulong)ports << 32);
            return null;
        }

        Fold(ref wc, words.Length);
        return rule;
    }

    /// <summary>
    /// OVS's check_tries: true when the tries prove that no rule of this subtable can match in
    /// stage <paramref name="stage"/>, after adding to wc the bits that make the proof reproducible.
    /// </summary>
    /// <remarks>
    /// In <see cref="TrieSkipMode.Sound"/> (found by the soundness property; the OVS 3.1 behaviour
    /// is confirmed against the real OVS, see <see cref="TrieSkipMode"/>): when a trie declines
    /// to skip ("a rule of this length may match", or "would need bits the subtable does not
    /// use") and a later trie then skips the subtable in the same stage, OVS adds only the later
    /// trie's bits, yet the earlier trie's decision depended on the first plen bits of its own
    /// field. Sound mode also un-wildcards those bits — never more than the subtable itself would
    /// un-wildcard on those fields had it not been skipped.
    /// </remarks>
    private static bool CheckTries(TrieView view, int stage, in FlowKey flow, TrieSkipMode trieSkip, ref TrieContexts ctxs, ref FlowMask wc)
    {
        var tries = view.Tries;
        var declined = 0; // bit j: trie j declined to skip in this stage
        for (var j = 0; j < tries.Length; j++)
        {
            var plen = view.Plens[j];
            if (plen == 0 || view.Stages[j] != stage)
            {
                continue;
            }

            ref var ctx = ref ctxs[j];
            var trie = tries[j];
            if (!ctx.Done)
            {
                ctx.Done = true;
                if (flow.DlType == trie.Prerequisite)
                {
                    ctx.Plens = 0;
                    ctx.MaskBits = trie.Trie.Lookup(trie.Value(flow), ref ctx.Plens);
                }
                else
                {
                    ctx.Plens = UInt128.MaxValue; // all prefix lengths possible: no skipping
                    ctx.MaskBits = 0;
                }
            }

            if (((ctx.Plens >> (plen - 1)) & UInt128.One) == UInt128.Zero)
            {
                var field = trie.Field;
                if (ctx.MaskBits <= plen)
                {
                    wc.UnwildcardPrefix(field, ctx.MaskBits);
                    AddDeclined(view, declined, ref wc);
                    return true;
                }

                var need = field.PrefixMask(ctx.MaskBits);
                if ((wc.Get(field) & need) == need)
                {
                    AddDeclined(view, declined, ref wc);
                    return true;
                }
            }

            if (trieSkip == TrieSkipMode.Sound)
            {
                declined |= 1 << j;
            }
        }

        return false;
    }

    private static void AddDeclined(TrieView view, int declined, ref FlowMask wc)
    {
        for (var j = 0; declined != 0; j++, declined >>= 1)
        {
            if ((declined & 1) != 0)
            {
                wc.UnwildcardPrefix(view.Tries[j].Field, view.Plens[j]);
            }
        }
    }
}
