namespace VSwarm.Actors.Traffic;

/// <summary>
/// Draws ranks 0..N−1 with Zipf probabilities p(k) ∝ 1/(k+1)^s: a few flows carry most packets,
/// as in real traffic, which is what makes the EMC and megaflow cache hit rates interesting.
/// Exponent 0 gives a uniform draw.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    /// <summary>Builds the cumulative distribution for <paramref name="n"/> ranks and exponent <paramref name="exponent"/>.</summary>
    public ZipfSampler(int n, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cdf = new double[n];
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cdf[k] = sum;
        }

        for (var k = 0; k < n; k++)
        {
            _cdf[k] /= sum;
        }

        _cdf[n - 1] = 1.0;
    }

    /// <summary>Number of ranks.</summary>
    public int Count => _cdf.Length;

    /// <summary>The probability of rank <paramref name="k"/>.</summary>
    public double Probability(int k) => k == 0 ? _cdf[0] : _cdf[k] - _cdf[k - 1];

    /// <summary>Draws a rank.</summary>
    public int Next(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var i = Array.BinarySearch(_cdf, rng.NextDouble());
        return i >= 0 ? i : Math.Min(~i, _cdf.Length - 1);
    }
}
