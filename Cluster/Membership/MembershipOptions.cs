namespace VSwarm.Cluster.Membership;

/// <summary>Membership timing. Defaults: 3 s lease, keepalive every TTL/3, fence 500 ms before expiry.</summary>
public sealed record MembershipOptions
{
    /// <summary>Lease TTL (etcd rounds up to whole seconds; 2 s minimum).</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long before the lease could expire in etcd the node stops its bridges. The deadline
    /// runs from the send time of the last successful keepalive (etcd renews on receipt, which is
    /// later), so with a margin above the local clock's drift over one TTL, the node has stopped
    /// before anyone else can claim its bridges.
    /// </summary>
    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Keepalive period; default TTL/3.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>Pause before a fenced node tries to rejoin with a new lease; default TTL/3.</summary>
    public TimeSpan? RejoinDelay { get; init; }

    /// <summary>The effective keepalive period.</summary>
    public TimeSpan EffectiveKeepAlive => KeepAliveInterval ?? LeaseTtl / 3;

    /// <summary>The effective rejoin pause.</summary>
    public TimeSpan EffectiveRejoinDelay => RejoinDelay ?? LeaseTtl / 3;

    /// <summary>Throws when the settings cannot fence safely.</summary>
    public void Validate()
    {
        if (LeaseTtl < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"lease TTL {LeaseTtl.TotalMilliseconds} ms is below 1 s");
        }

        if (SafetyMargin <= TimeSpan.Zero || SafetyMargin >= LeaseTtl - EffectiveKeepAlive)
        {
            throw new ArgumentException(
                $"safety margin {SafetyMargin.TotalMilliseconds} ms must be > 0 and below TTL - keepalive interval ({(LeaseTtl - EffectiveKeepAlive).TotalMilliseconds} ms)");
        }
    }
}
