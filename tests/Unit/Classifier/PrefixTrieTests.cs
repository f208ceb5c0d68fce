using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Classifier;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

public class PrefixTrieTests
{
    private static UInt128 Prefix(UInt128 v, int len) => len == 0 ? 0 : v & ~(UInt128.MaxValue >> len);

    [Fact]
    public void Incremental_trie_answers_like_a_fresh_one_and_plens_are_exact()
    {
        Prop.ForAll(Gen.Choose(1, int.MaxValue - 1).SelectMany(s => Gen.Elements(32, 128).Select(w => (s, w))).ToArbitrary(), t =>
        {
            var (seed, width) = t;
            var rng = new Random(seed);
            var values = Enumerable.Range(0, 6).Select(_ => Random128(rng) & ~(UInt128.MaxValue >> width)).ToArray();
            var trie = new PrefixTrie(width);
            var present = new List<(UInt128 V, int L)>();
            for (var step = 0; step < 60; step++)
            {
                if (present.Count == 0 || rng.Next(3) > 0)
                {
                    var len = rng.Next(1, width + 1);
                    var v = Prefix(values[rng.Next(values.Length)], len);
                    trie.Insert(v, len);
                    present.Add((v, len));
                }
                else
                {
                    var (v, len) = present[rng.Next(present.Count)];
                    Assert.True(trie.Remove(v, len));
                    present.Remove((v, len));
                }

                var fresh = new PrefixTrie(width);
                foreach (var (v, len) in present)
                {
                    fresh.Insert(v, len);
                }

                for (var k = 0; k < 10; k++)
                {
                    var x = values[rng.Next(values.Length)] ^ (UInt128.One << rng.Next(128 - width, 128));
                    x &= ~(UInt128.MaxValue >> width);
                    UInt128 p1 = 0, p2 = 0;
                    var m1 = trie.Lookup(x, ref p1);
                    var m2 = fresh.Lookup(x, ref p2);
                    Assert.Equal(m2, m1);
                    Assert.Equal(p2, p1);
                    UInt128 naive = 0;
                    foreach (var (v, len) in present)
                    {
                        if (Prefix(x, len) == v)
                        {
                            naive |= UInt128.One << (len - 1);
                        }
                    }

                    Assert.Equal(naive, p1);
                    Assert.InRange(m1, 0, width);

                    // maskbits decide: any value agreeing on the first m1 bits gets the same answer.
                    var y = Prefix(x, m1) | (Random128(rng) & (UInt128.MaxValue >> m1) & ~(UInt128.MaxValue >> width));
                    UInt128 p3 = 0;
                    Assert.Equal(m1, trie.Lookup(y, ref p3));
                }
            }

            foreach (var (v, len) in present)
            {
                Assert.True(trie.Remove(v, len));
            }

            Assert.Null(trie.Root);
            Assert.False(trie.Remove(values[0], width));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Ipv6_prefixes_are_chains_of_at_most_32_bit_nodes()
    {
        var trie = new PrefixTrie(128);
        trie.Insert(OfText.Ipv6Value("2001:db8:1:2::"), 64);
        var n = trie.Root;
        var bits = 0;
        while (n is not null)
        {
            Assert.InRange(n.NBits, 1, 32);
            bits += n.NBits;
            n = n.Edge0 ?? n.Edge1;
        }

        Assert.Equal(64, bits);
        UInt128 plens = 0;
        Assert.Equal(64, trie.Lookup(OfText.Ipv6Value("2001:db8:1:2::5"), ref plens));
        Assert.Equal(UInt128.One << 63, plens);
        plens = 0;
        Assert.Equal(33, trie.Lookup(OfText.Ipv6Value("2001:db8:8001::"), ref plens));
    }

    private static UInt128 Random128(Random rng) => new((ulong)rng.NextInt64(), (ulong)rng.NextInt64());
}
