namespace VSwarm.Actors.Revalidator;

/// <summary>Why a revalidator deleted a flow (OVS's enum flow_del_reason; <see cref="DeleteReasons.OvsName"/> gives OVS's spelling).</summary>
public enum DeleteReason
{
    /// <summary>none: no reason recorded (e.g. a datapath flow without a ukey).</summary>
    None = 0,

    /// <summary>avoid_caching: translation asked not to cache the flow.</summary>
    AvoidCaching,

    /// <summary>bad_odp_fit: the installed mask could not be converted back.</summary>
    BadOdpFit,

    /// <summary>flow_idle: not used for max-idle (or 100 ms over the limit).</summary>
    FlowIdle,

    /// <summary>flow_limit: n_flows &gt; 2 × flow_limit, every dumped flow goes.</summary>
    FlowLimit,

    /// <summary>flow_wildcarded: the installed mask wildcards bits the new translation needs.</summary>
    FlowWildcarded,

    /// <summary>no_ofproto: the bridge is gone.</summary>
    NoOfproto,

    /// <summary>purge: revalidator/purge.</summary>
    Purge,

    /// <summary>too_expensive: below min-revalidate-pps after a slow round.</summary>
    TooExpensive,

    /// <summary>update_fail: a MODIFY failed earlier (ukey INCONSISTENT).</summary>
    UpdateFail,

    /// <summary>xlation_error: re-translation failed.</summary>
    XlationError,

    /// <summary>flow_missing_dp: not seen in 4 consecutive dumps.</summary>
    FlowMissingDp,
}

/// <summary>Helpers for <see cref="DeleteReason"/>.</summary>
public static class DeleteReasons
{
    /// <summary>All reasons, in enum order.</summary>
    public static IReadOnlyList<DeleteReason> All { get; } = Enum.GetValues<DeleteReason>();

    /// <summary>OVS's name of the reason (as in its traces and coverage counters).</summary>
    public static string OvsName(this DeleteReason reason) => reason switch
    {
        DeleteReason.None => "none",
        DeleteReason.AvoidCaching => "avoid_caching",
        DeleteReason.BadOdpFit => "bad_odp_fit",
        DeleteReason.FlowIdle => "flow_idle",
        DeleteReason.FlowLimit => "flow_limit",
        DeleteReason.FlowWildcarded => "flow_wildcarded",
        DeleteReason.NoOfproto => "no_ofproto",
        DeleteReason.Purge => "purge",
        DeleteReason.TooExpensive => "too_expensive",
        DeleteReason.UpdateFail => "update_fail",
        DeleteReason.XlationError => "xlation_error",
        DeleteReason.FlowMissingDp => "flow_missing_dp",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
