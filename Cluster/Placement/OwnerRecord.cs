using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwarm.Cluster.Placement;

/// <summary>
/// The value of <c>/vswarm/bridges/&lt;br&gt;/owner</c>: the owning node and the lease the claim is
/// bound to (hex, as etcdctl prints lease ids). The fencing token is the key's create revision,
/// which etcd assigns and which only grows, so it is not stored in the value.
/// </summary>
public sealed record OwnerRecord(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("lease")] string LeaseHex)
{
    /// <summary>The lease id.</summary>
    [JsonIgnore]
    public long Lease => long.TryParse(LeaseHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var l) ? l : 0;

    /// <summary>A record for <paramref name="node"/> on <paramref name="lease"/>.</summary>
    public static OwnerRecord Of(string node, long lease) => new(node, lease.ToString("x", CultureInfo.InvariantCulture));

    /// <summary>The stored JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a stored value; null when unreadable.</summary>
    public static OwnerRecord? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<OwnerRecord>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A bridge's current claim as this node saw it: owner record and fencing token (create revision).</summary>
public sealed record BridgeClaim(string Bridge, OwnerRecord Owner, long Token);

/// <summary>Published when this node activates a bridge (the claim with token succeeded).</summary>
public sealed record BridgeActivated(string Bridge, string Node, long Token);

/// <summary>Published when this node stops a bridge (before any release).</summary>
public sealed record BridgeDeactivated(string Bridge, string Node, long Token, string Reason);
