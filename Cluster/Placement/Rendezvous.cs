using System.Text;

namespace VSwarm.Cluster.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: a bridge goes to the live node with the highest
/// score(bridge, node). When a node leaves, only its bridges move; when one joins, it takes only
/// the bridges it now wins (about 1/N of them). The score is FNV-1a 64 of "bridge\0node" through
/// a SplitMix64 finalizer: stable across processes and .NET versions (string.GetHashCode is not).
/// </summary>
public static class Rendezvous
{
    /// <summary>The score of <paramref name="node"/> for <paramref name="bridge"/>.</summary>
    public static ulong Score(string bridge, string node)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        ArgumentNullException.ThrowIfNull(node);
        var h = 0xcbf29ce484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(bridge + "\0" + node))
        {
            h = (h ^ b) * 0x100000001b3UL;
        }

        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebUL;
        return h ^ (h >> 31);
    }

    /// <summary>The preferred node for <paramref name="bridge"/> among <paramref name="nodes"/>, or null when there is none. Ties go to the smaller name.</summary>
    public static string? Owner(string bridge, IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        string? best = null;
        var bestScore = 0UL;
        foreach (var n in nodes)
        {
            var s = Score(bridge, n);
            if (best is null || s > bestScore || (s == bestScore && string.CompareOrdinal(n, best) < 0))
            {
                best = n;
                bestScore = s;
            }
        }

        return best;
    }
}
