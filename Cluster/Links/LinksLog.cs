using Microsoft.Extensions.Logging;

namespace VSwarm.Cluster.Links;

/// <summary>Log lines of the cluster's patch traffic over node links (source-generated).</summary>
public static partial class LinksLog
{
    /// <summary>A node link came up.</summary>
    [LoggerMessage(201, LogLevel.Information, "link up: {Node}")]
    public static partial void LinkUp(this ILogger log, string node);

    /// <summary>A node link went down.</summary>
    [LoggerMessage(202, LogLevel.Warning, "link down: {Node}: {Reason}")]
    public static partial void LinkDown(this ILogger log, string node, string reason);

    /// <summary>A handshake was refused.</summary>
    [LoggerMessage(203, LogLevel.Warning, "link refused: {Node}: {Reason}")]
    public static partial void LinkRefused(this ILogger log, string node, string reason);

    /// <summary>Node links listen.</summary>
    [LoggerMessage(204, LogLevel.Information, "node links of {Node} listen on {Address} (cluster {Cluster})")]
    public static partial void LinksListening(this ILogger log, string node, string address, string cluster);

    /// <summary>Frames from a bridge instance that lost its claim were dropped.</summary>
    [LoggerMessage(205, LogLevel.Debug, "fenced {Count} frames from {Bridge} with token {Token} (newest {Newest})")]
    public static partial void Fenced(this ILogger log, string bridge, long token, long newest, int count);
}
