using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwarm.Cluster.Node;

/// <summary>
/// The value of <c>/vswarm/status/&lt;node&gt;/&lt;br&gt;</c>, written by the owner on its lease every
/// status interval, for <c>vswarm cluster status</c>. <c>patchRx</c> is the packets its patch
/// ports received from their peer bridges (on this node or, over node links, on another).
/// </summary>
public sealed record BridgeStatusRecord(
    [property: JsonPropertyName("bridge")] string Bridge,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("token")] long Token,
    [property: JsonPropertyName("packets")] long Packets,
    [property: JsonPropertyName("flows")] long Flows,
    [property: JsonPropertyName("rules")] int Rules,
    [property: JsonPropertyName("rulesRevision")] long RulesRevision,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("patchRx")] long PatchRx = 0)
{
    /// <summary>The stored JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a stored value; null when unreadable.</summary>
    public static BridgeStatusRecord? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<BridgeStatusRecord>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
