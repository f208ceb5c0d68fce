using Microsoft.Extensions.Logging;

namespace VSwarm.Cluster.Remoting;

/// <summary>The log lines of node links (source-generated, so disabled levels cost nothing).</summary>
internal static partial class RemotingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} listens on {Address}")]
    public static partial void Listening(ILogger logger, string node, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Link to {Node} is up ({Direction})")]
    public static partial void LinkUp(ILogger logger, string node, string direction);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Link to {Node} is down: {Reason}")]
    public static partial void LinkDown(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialing {Node} failed: {Reason}")]
    public static partial void DialFailed(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message [{Type}] to {Target} not sent: {Why}")]
    public static partial void NotSent(ILogger logger, string type, string target, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a message from {Node}: {What}")]
    public static partial void Undecodable(ILogger logger, string node, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a link from {Node}: {Reason}")]
    public static partial void Refused(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handshake from {Node} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string node, string reason);
}
