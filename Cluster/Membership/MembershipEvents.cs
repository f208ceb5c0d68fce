using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwarm.Cluster.Membership;

/// <summary>
/// The value of <c>/vswarm/members/&lt;node&gt;</c>: where the node listens for node links and when
/// this incarnation started (a restart is a new incarnation, as in Orleans' ip:port:epoch).
/// </summary>
/// <param name="Node">Node name.</param>
/// <param name="Address">Listen address (host:port) for node-to-node links.</param>
/// <param name="Started">Start time of this incarnation.</param>
public sealed record MemberInfo(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("started")] DateTimeOffset Started)
{
    /// <summary>The JSON stored in etcd.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a stored value; null when it is not a member record.</summary>
    public static MemberInfo? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<MemberInfo>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Akka's <c>ClusterEvent.MemberUp</c>: a member's key appeared (or its incarnation changed).</summary>
public sealed record MemberUp(MemberInfo Member);

/// <summary>Akka's <c>ClusterEvent.MemberRemoved</c>: a member's key went away (lease expiry or graceful leave).</summary>
public sealed record MemberRemoved(string Node);

/// <summary>This node stopped its bridges because it could not renew its lease in time (self-fencing).</summary>
public sealed record SelfFenced(string Node, string Reason);

/// <summary>This node (re)joined with a new lease.</summary>
public sealed record SelfJoined(string Node, long Lease);
