namespace VSwarm.Actors.Revalidator;

/// <summary>
/// The dynamic flow limit arithmetic of the revalidator leader (ovs-brief §6.4, vectors §9 item 13).
/// </summary>
public static class FlowLimit
{
    /// <summary>The floor of the dynamic limit.</summary>
    public const long Floor = 1000;

    /// <summary>Cap of the initial value.</summary>
    public const long InitialCap = 10_000;

    /// <summary>The start value: min(flow-limit, 10000).</summary>
    public static long Initial(long configured) => Math.Min(configured, InitialCap);

    /// <summary>
    /// The limit after a round of <paramref name="durationMs"/> ms (≥ 1) that started with
    /// <paramref name="flowCount"/> flows: d &gt; 2000 → limit / ⌊d/1000⌋; else 1300 &lt; d ≤ 2000 →
    /// limit × 3/4; else d &lt; 1000 and limit &lt; n × 1000 / d → limit + 1000; then clamped to
    /// [1000, <paramref name="configured"/>].
    /// </summary>
    public static long Adjust(long limit, long durationMs, long flowCount, long configured)
    {
        var d = Math.Max(durationMs, 1);
        if (d > 2000)
        {
            limit /= d / 1000;
        }
        else if (d > 1300)
        {
            limit = limit * 3 / 4;
        }
        else if (d < 1000 && limit < flowCount * 1000 / d)
        {
            limit += 1000;
        }

        return Math.Min(Math.Max(limit, Floor), configured);
    }
}
