using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Flow;
using VSwarm.Tests.Unit.Packets;
using Xunit;

namespace VSwarm.Tests.Unit.Flow;

/// <summary>Properties of the flow model (FlowKey, FlowMask, Match, FlowWordOps).</summary>
public class FlowPropertyTests
{
    private static readonly Config Cfg = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<ulong> Basis = Gen.Frequency((1, Gen.Constant(0UL)), (3, FlowGen.U64));

    private static Arbitrary<(FlowKey A, FlowKey B, FlowMask M)> PairsUnderMask() =>
        Arb.From(from p in FlowGen.KeyPair()
                 from m in FlowGen.Mask()
                 select (p.A, p.B, m));

    private static Arbitrary<(FlowMask A, FlowMask B, FlowMask C)> ThreeMasks() =>
        Arb.From(from a in FlowGen.Mask()
                 from b in Gen.Frequency((3, FlowGen.Mask()), (1, Gen.Constant(a)), (1, FlowGen.Mask().Select(x => x | a)))
                 from c in FlowGen.Mask()
                 select (a, b, c));

    [Fact]
    public void Masked_equality_agrees_with_a_per_field_reference()
    {
        var equalSeen = 0;
        Prop.ForAll(PairsUnderMask(), t =>
        {
            var (a, b, m) = t;
            var reference = FlowFields.All.All(f => ((a.Get(f) ^ b.Get(f)) & m.Get(f)) == UInt128.Zero);
            Assert.Equal(reference, a.MaskedEquals(b, m));
            Assert.Equal(reference, b.MaskedEquals(a, m));
            Assert.Equal(reference, a.Masked(m) == b.Masked(m));
            equalSeen += reference ? 1 : 0;
        }).Check(Cfg);
        Assert.InRange(equalSeen, 50, 450); // both outcomes are exercised
    }

    [Fact]
    public void Masked_hash_is_equal_whenever_masked_equal()
    {
        var arb = Arb.From(Gen.Zip(PairsUnderMask().Generator, Basis));
        var collisions = 0;
        Prop.ForAll(arb, t =>
        {
            var ((a, b, m), basis) = t;
            Assert.Equal(a.MaskedHash(m, basis), a.Masked(m).MaskedHash(m, basis));
            if (a.MaskedEquals(b, m))
            {
                Assert.Equal(a.MaskedHash(m, basis), b.MaskedHash(m, basis));
            }
            else if (a.MaskedHash(m, basis) == b.MaskedHash(m, basis))
            {
                collisions++;
            }
        }).Check(Cfg);
        Assert.Equal(0, collisions);
    }

    [Fact]
    public void Exact_mask_equality_and_hash_agree_with_key_equality()
    {
        Prop.ForAll(Arb.From(FlowGen.KeyPair()), p =>
        {
            var (a, b) = p;
            // Keys from the generators have no bits outside fields except possibly padding-free words.
            var fieldsEqual = FlowFields.All.All(f => a.Get(f) == b.Get(f));
            Assert.Equal(fieldsEqual, a.MaskedEquals(b, FlowMask.Exact));
            if (a == b)
            {
                Assert.Equal(a.GetHashCode(), b.GetHashCode());
            }
        }).Check(Cfg);
    }

    [Fact]
    public void Stage_by_stage_hashing_equals_whole_range_hashing()
    {
        var arb = Arb.From(from k in Gen.Frequency((1, FlowGen.AnyKey()), (1, FlowGen.CanonicalKey()))
                           from m in FlowGen.Mask()
                           from basis in Basis
                           from cut1 in Gen.Choose(0, FlowLayout.Words)
                           from cut2 in Gen.Choose(0, FlowLayout.Words)
                           select (k, m, basis, Math.Min(cut1, cut2), Math.Max(cut1, cut2)));
        Prop.ForAll(arb, t =>
        {
            var (k, m, basis, i, j) = t;
            var whole = FlowWordOps.MaskedHash(k.ReadOnlyWords, m.ReadOnlyWords, 0, FlowLayout.Words, basis);
            var h = basis;
            var starts = FlowLayout.StageStarts;
            for (var s = 0; s < FlowLayout.StageCount; s++)
            {
                h = FlowWordOps.MaskedHash(k.ReadOnlyWords, m.ReadOnlyWords, starts[s], starts[s + 1], h);
            }

            Assert.Equal(whole, h);
            var split = FlowWordOps.MaskedHash(k.ReadOnlyWords, m.ReadOnlyWords, 0, i, basis);
            split = FlowWordOps.MaskedHash(k.ReadOnlyWords, m.ReadOnlyWords, i, j, split);
            split = FlowWordOps.MaskedHash(k.ReadOnlyWords, m.ReadOnlyWords, j, FlowLayout.Words, split);
            Assert.Equal(whole, split);
            Assert.Equal(FlowWordOps.Finish(whole), k.MaskedHash(m, basis));
        }).Check(Cfg);
    }

    [Fact]
    public void Union_and_intersection_form_a_distributive_lattice()
    {
        var all = default(FlowMask);
        all.Words.Fill(ulong.MaxValue);
        Prop.ForAll(ThreeMasks(), t =>
        {
            var (a, b, c) = t;
            Assert.Equal(a | b, b | a);
            Assert.Equal(a & b, b & a);
            Assert.Equal((a | b) | c, a | (b | c));
            Assert.Equal((a & b) & c, a & (b & c));
            Assert.Equal(a, a | a);
            Assert.Equal(a, a & a);
            Assert.Equal(a, a | (a & b));
            Assert.Equal(a, a & (a | b));
            Assert.Equal(a & (b | c), (a & b) | (a & c));
            Assert.Equal(a | (b & c), (a | b) & (a | c));
            Assert.Equal(a, a | default(FlowMask));
            Assert.Equal(a, a & all);
            Assert.True((a & default(FlowMask)).IsEmpty);
            Assert.Equal(FlowMask.BitwiseOr(a, b), a | b);
            Assert.Equal(FlowMask.BitwiseAnd(a, b), a & b);

            // Folding stage ranges one after another is the union.
            var folded = a;
            var starts = FlowLayout.StageStarts;
            for (var s = 0; s < FlowLayout.StageCount; s++)
            {
                folded.FoldWords(b, starts[s], starts[s + 1]);
            }

            Assert.Equal(a | b, folded);
        }).Check(Cfg);
    }

    [Fact]
    public void Matching_under_a_union_is_matching_under_both()
    {
        var arb = Arb.From(from p in FlowGen.KeyPair()
                           from m1 in FlowGen.Mask()
                           from m2 in FlowGen.Mask()
                           select (p.A, p.B, m1, m2));
        Prop.ForAll(arb, t =>
        {
            var (a, b, m1, m2) = t;
            Assert.Equal(a.MaskedEquals(b, m1) && a.MaskedEquals(b, m2), a.MaskedEquals(b, m1 | m2));
            if (a.MaskedEquals(b, m1))
            {
                Assert.True(a.MaskedEquals(b, m1 & m2));
            }
        }).Check(Cfg);
    }

    [Fact]
    public void Has_extra_is_true_exactly_when_the_other_mask_matches_a_bit_this_one_wildcards()
    {
        Prop.ForAll(ThreeMasks(), t =>
        {
            var (a, b, _) = t;
            var reference = FlowFields.All.Any(f => (b.Get(f) & ~a.Get(f)) != UInt128.Zero);
            Assert.Equal(reference, a.HasExtraBits(b));
            Assert.Equal((a | b) != a, a.HasExtraBits(b));
            Assert.False(a.HasExtraBits(a));
            Assert.False((a | b).HasExtraBits(a));
            Assert.False(a.HasExtraBits(a & b));
            Assert.False(a.HasExtraBits(default));
            Assert.Equal(!a.IsEmpty, default(FlowMask).HasExtraBits(a));
        }).Check(Cfg);
    }

    [Fact]
    public void Loose_match_means_more_specific_and_agreeing()
    {
        var arb = Arb.From(from p in FlowGen.KeyPair()
                           from m1 in FlowGen.Mask()
                           from m2 in FlowGen.Mask()
                           select (p.A, p.B, m1, m2));
        Prop.ForAll(arb, t =>
        {
            var (a, b, m1, m2) = t;
            var specific = new Match(a, m1 | m2);
            var criteria = new Match(b, m1);
            var loose = specific.IsLooseMatchOf(criteria);
            Assert.Equal(a.MaskedEquals(b, m1), loose);
            if (loose)
            {
                // Every packet the specific match takes, the criteria take too.
                Assert.True(criteria.Matches(specific.Key));
                Assert.True(criteria.Matches(a));
            }

            Assert.True(new Match(a, m1).IsLooseMatchOf(new Match(a, m1)));
            Assert.Equal((m1 | m2) == m2, !m2.HasExtraBits(m1));
        }).Check(Cfg);
    }

    [Fact]
    public void Overlaps_iff_a_witness_packet_matches_both()
    {
        var overlapping = 0;
        var disjoint = 0;
        var arb = Arb.From(from p in FlowGen.KeyPair()
                           from m1 in FlowGen.Mask()
                           from m2 in FlowGen.Mask()
                           from probe in FlowGen.Variant(p.A)
                           select (new Match(p.A, m1), new Match(p.B, m2), probe));
        Prop.ForAll(arb, t =>
        {
            var (x, y, probe) = t;
            var overlaps = x.Overlaps(y);
            Assert.Equal(overlaps, y.Overlaps(x));

            // The witness takes x's key where x matches and y's key elsewhere.
            var witness = default(FlowKey);
            var w = witness.Words;
            for (var i = 0; i < FlowLayout.Words; i++)
            {
                w[i] = x.Key.ReadOnlyWords[i] | (y.Key.ReadOnlyWords[i] & ~x.Mask.ReadOnlyWords[i]);
            }

            Assert.Equal(overlaps, x.Matches(witness) && y.Matches(witness));
            if (overlaps)
            {
                overlapping++;
            }
            else
            {
                disjoint++;

                // No packet at all matches both: some field bit both masks match has
                // different values in the keys, and a packet agrees with at most one of them.
                var conflict = FlowFields.All.First(f =>
                    ((x.Key.Get(f) ^ y.Key.Get(f)) & x.Mask.Get(f) & y.Mask.Get(f)) != UInt128.Zero);
                Assert.NotNull(conflict);
                Assert.False(x.Matches(probe) && y.Matches(probe));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
        Assert.True(overlapping > 50 && disjoint > 50, $"overlapping {overlapping}, disjoint {disjoint}");
    }

    [Fact]
    public void Match_key_has_no_bits_outside_its_mask()
    {
        var arb = Arb.From(Gen.Zip(FlowGen.AnyKey(), FlowGen.Mask()));
        Prop.ForAll(arb, t =>
        {
            var (k, m) = t;
            var match = new Match(k, m);
            Assert.Equal(match.Key, match.Key.Masked(m));
            Assert.True(match.Matches(k));
            Assert.Equal(match, new Match(match.Key, m));
        }).Check(Cfg);
    }
}
