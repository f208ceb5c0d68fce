using System.Numerics;
using System.Runtime.CompilerServices;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// A node of a <see cref="PrefixTrie"/>: up to 32 prefix bits (MSB-first, left-aligned in
/// <see cref="Bits"/>), the number of rules whose prefix ends here, and two edges selected by the
/// next bit. A child's bits start with the bit that selected its edge. Nodes are immutable: the
/// writer copies the path it changes and publishes a new root, so readers walk a consistent trie.
/// </summary>
internal sealed class TrieNode(uint bits, int nBits, int nRules, TrieNode? edge0, TrieNode? edge1)
{
    /// <summary>The node's prefix bits, left-aligned (bit 31 is the first).</summary>
    public readonly uint Bits = nBits == 0 ? 0 : bits & (uint.MaxValue << (32 - nBits));

    /// <summary>Number of prefix bits, 1..32 (0 only for a root split node).</summary>
    public readonly int NBits = nBits;

    /// <summary>Rules (distinct subtable entries) whose prefix ends at this node.</summary>
    public readonly int NRules = nRules;

    /// <summary>Child for next bit 0.</summary>
    public readonly TrieNode? Edge0 = edge0;

    /// <summary>Child for next bit 1.</summary>
    public readonly TrieNode? Edge1 = edge1;

    /// <summary>True when the node has no children.</summary>
    public bool IsLeaf => Edge0 is null && Edge1 is null;

    public TrieNode? Edge(int bit) => bit == 0 ? Edge0 : Edge1;

    public TrieNode WithEdge(int bit, TrieNode? child) =>
        bit == 0 ? new(Bits, NBits, NRules, child, Edge1) : new(Bits, NBits, NRules, Edge0, child);

    public TrieNode WithRules(int nRules) => new(Bits, NBits, nRules, Edge0, Edge1);
}

/// <summary>
/// OVS's prefix trie (lib/classifier.c, §3.4 of the brief): a binary trie of rule prefixes with at
/// most 32 bits per node, so 128-bit fields are chains of nodes. Values are passed left-aligned in
/// a <see cref="UInt128"/> (bit 127 is the field's first bit). Shared by the whole classifier for
/// the prefix fields and used per subtable for the ports word.
/// </summary>
internal sealed class PrefixTrie
{
    private TrieNode? _root;

    /// <summary>Creates an empty trie over a field of <paramref name="width"/> bits (32 or 128).</summary>
    public PrefixTrie(int width) => Width = width;

    /// <summary>Width of the field in bits.</summary>
    public int Width { get; }

    /// <summary>The current root (published by the writer).</summary>
    public TrieNode? Root => Volatile.Read(ref _root);

    /// <summary>Adds one rule with prefix <paramref name="plen"/> (1..Width) of the left-aligned value.</summary>
    public void Insert(UInt128 value, int plen)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(plen, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plen, Width);
        Volatile.Write(ref _root, Insert(_root, value, plen, 0));
    }

    /// <summary>Removes one rule with this prefix; false when none was present.</summary>
    public bool Remove(UInt128 value, int plen)
    {
        var removed = false;
        var root = Remove(_root, value, plen, 0, ref removed);
        if (removed)
        {
            Volatile.Write(ref _root, root);
        }

        return removed;
    }

    /// <summary>
    /// Looks up a left-aligned value: returns the number of leading bits that decide the answer
    /// ("maskbits": the matched bits plus the first bit that rules out the rest) and sets in
    /// <paramref name="plens"/> bit (L − 1) for every prefix length L whose rules may match.
    /// </summary>
    public int Lookup(UInt128 value, ref UInt128 plens) => Lookup(Root, value, Width, ref plens);

    /// <summary>The lookup of §3.4 on a given root.</summary>
    public static int Lookup(TrieNode? node, UInt128 value, int width, ref UInt128 plens)
    {
        TrieNode? prev = null;
        var matchLen = 0;
        while (node is not null)
        {
            var eq = EqualBits(node, value, matchLen);
            matchLen += eq;
            if (eq < node.NBits)
            {
                return matchLen + 1; // the matched bits plus the first differing bit
            }

            if (node.NRules > 0 && matchLen > 0)
            {
                plens |= UInt128.One << (matchLen - 1);
            }

            if (matchLen >= width)
            {
                return width;
            }

            prev = node;
            node = node.Edge(BitAt(value, matchLen));
        }

        // Followed a missing edge: one more bit is needed to exclude the other branch, unless
        // the node we came from has none.
        return prev is null || prev.IsLeaf ? matchLen : matchLen + 1;
    }

    /// <summary>Bit <paramref name="ofs"/> (0 = first/most significant) of a left-aligned value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int BitAt(UInt128 value, int ofs) => (int)(value >> (127 - ofs)) & 1;

    /// <summary>32 bits of a left-aligned value starting at bit <paramref name="ofs"/> (zero-filled past the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Chunk(UInt128 value, int ofs) => (uint)((value << ofs) >> 96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EqualBits(TrieNode node, UInt128 value, int ofs)
    {
        if (node.NBits == 0)
        {
            return 0;
        }

        var diff = node.Bits ^ Chunk(value, ofs);
        return Math.Min(BitOperations.LeadingZeroCount(diff), node.NBits);
    }

    /// <summary>A chain of new nodes for bits [ofs, plen) of the value ending with one rule.</summary>
    private static TrieNode Chain(UInt128 value, int ofs, int plen)
    {
        var n = Math.Min(32, plen - ofs);
        if (ofs + n == plen)
        {
            return new TrieNode(Chunk(value, ofs), n, 1, null, null);
        }

        var child = Chain(value, ofs + n, plen);
        var node = new TrieNode(Chunk(value, ofs), n, 0, null, null);
        return node.WithEdge(BitAt(value, ofs + n), child);
    }

    private static TrieNode Insert(TrieNode? node, UInt128 value, int plen, int ofs)
    {
        if (node is null)
        {
            return Chain(value, ofs, plen);
        }

        var eq = Math.Min(EqualBits(node, value, ofs), plen - ofs);
        if (eq < node.NBits)
        {
            // Split the node at the first differing bit (or where the new prefix ends).
            var rest = new TrieNode(node.Bits << eq, node.NBits - eq, node.NRules, node.Edge0, node.Edge1);
            var restBit = (int)(node.Bits >> (31 - eq)) & 1;
            var parent = new TrieNode(node.Bits, eq, ofs + eq == plen ? 1 : 0, null, null).WithEdge(restBit, rest);
            return ofs + eq == plen ? parent : parent.WithEdge(1 - restBit, Chain(value, ofs + eq, plen));
        }

        ofs += node.NBits;
        if (ofs == plen)
        {
            return node.WithRules(node.NRules + 1);
        }

        var bit = BitAt(value, ofs);
        return node.WithEdge(bit, Insert(node.Edge(bit), value, plen, ofs));
    }

    private static TrieNode? Remove(TrieNode? node, UInt128 value, int plen, int ofs, ref bool removed)
    {
        if (node is null || plen - ofs < node.NBits || EqualBits(node, value, ofs) < node.NBits)
        {
            return node;
        }

        TrieNode updated;
        ofs += node.NBits;
        if (ofs == plen)
        {
            if (node.NRules == 0)
            {
                return node;
            }

            removed = true;
            updated = node.WithRules(node.NRules - 1);
        }
        else
        {
            var bit = BitAt(value, ofs);
            var child = Remove(node.Edge(bit), value, plen, ofs, ref removed);
            if (!removed)
            {
                return node;
            }

            updated = node.WithEdge(bit, child);
        }

        return Normalize(updated);
    }

    /// <summary>Prunes a node without rules or children; merges a rule-less node into its only child when the bits fit.</summary>
    private static TrieNode? Normalize(TrieNode node)
    {
        if (node.NRules > 0)
        {
            return node;
        }

        if (node.IsLeaf)
        {
            return null;
        }

        if (node.Edge0 is not null && node.Edge1 is not null)
        {
            return node;
        }

        var child = node.Edge0 ?? node.Edge1!;
        if (node.NBits + child.NBits > 32)
        {
            return node;
        }

        var bits = node.NBits == 0 ? child.Bits >> 0 : node.Bits | (child.Bits >> node.NBits);
        return new TrieNode(bits, node.NBits + child.NBits, child.NRules, child.Edge0, child.Edge1);
    }
}
