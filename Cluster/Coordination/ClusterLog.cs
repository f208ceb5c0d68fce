using Microsoft.Extensions.Logging;

namespace VSwarm.Cluster.Coordination;

/// <summary>The cluster's log lines (source-generated, so a disabled level costs nothing).</summary>
public static partial class ClusterLog
{
    /// <summary>A serialized cluster step threw; the component retries on its next tick.</summary>
    [LoggerMessage(1, LogLevel.Warning, "cluster step failed: {Reason}")]
    public static partial void StepFailed(this ILogger log, Exception ex, string reason);

    /// <summary>This node joined the membership with a new lease.</summary>
    [LoggerMessage(2, LogLevel.Information, "node {Node} joined: lease {Lease:x} ttl {TtlMs} ms")]
    public static partial void Joined(this ILogger log, string node, long lease, double ttlMs);

    /// <summary>A member appeared.</summary>
    [LoggerMessage(3, LogLevel.Information, "member up: {Node} at {Address}")]
    public static partial void MemberUp(this ILogger log, string node, string address);

    /// <summary>A member's key went away (lease expiry or graceful leave).</summary>
    [LoggerMessage(4, LogLevel.Information, "member removed: {Node}")]
    public static partial void MemberRemoved(this ILogger log, string node);

    /// <summary>Self-fencing: the node could not renew in time and stopped its bridges.</summary>
    [LoggerMessage(5, LogLevel.Warning, "node {Node} fenced itself: {Reason}")]
    public static partial void Fenced(this ILogger log, string node, string reason);

    /// <summary>A keepalive failed; the node keeps trying until its fencing deadline.</summary>
    [LoggerMessage(6, LogLevel.Debug, "keepalive of lease {Lease:x} failed: {Reason}")]
    public static partial void KeepAliveFailed(this ILogger log, long lease, string reason);

    /// <summary>This node took a bridge.</summary>
    [LoggerMessage(7, LogLevel.Information, "bridge {Bridge} active on {Node} (fencing token {Token})")]
    public static partial void Activated(this ILogger log, string bridge, string node, long token);

    /// <summary>This node gave a bridge up.</summary>
    [LoggerMessage(8, LogLevel.Information, "bridge {Bridge} stopped on {Node} (token {Token}): {Reason}")]
    public static partial void Deactivated(this ILogger log, string bridge, string node, long token, string reason);

    /// <summary>A committed flow change was applied on the owner.</summary>
    [LoggerMessage(9, LogLevel.Information, "bridge {Bridge}: applied rules at revision {Revision} ({Count} rules)")]
    public static partial void RulesApplied(this ILogger log, string bridge, long revision, int count);

    /// <summary>A committed flow change could not be applied.</summary>
    [LoggerMessage(10, LogLevel.Error, "bridge {Bridge}: rules at revision {Revision} not applied: {Reason}")]
    public static partial void RulesFailed(this ILogger log, string bridge, long revision, string reason);
}
