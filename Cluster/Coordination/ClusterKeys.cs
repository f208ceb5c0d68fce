namespace VSwarm.Cluster.Coordination;

/// <summary>
/// The etcd key layout (all under <c>/vswarm/</c>, readable with <c>etcdctl get --prefix /vswarm/</c>):
/// <list type="bullet">
/// <item><c>/vswarm/members/&lt;node&gt;</c>: MemberInfo JSON on the node's lease.</item>
/// <item><c>/vswarm/bridges/&lt;br&gt;/config</c>: the bridge's BridgeOptions JSON.</item>
/// <item><c>/vswarm/bridges/&lt;br&gt;/flows</c>: the bridge's OpenFlow rules as ovs-ofctl add-flows text, one rule per line, in (table, priority desc, text) order.</item>
/// <item><c>/vswarm/bridges/&lt;br&gt;/owner</c>: the owning node's name on its lease; the key's create revision is the fencing token.</item>
/// <item><c>/vswarm/status/&lt;node&gt;/&lt;br&gt;</c>: the owner's counters JSON on its lease, for <c>vswarm cluster status</c>.</item>
/// </list>
/// </summary>
public static class ClusterKeys
{
    /// <summary>Root of every key.</summary>
    public const string Root = "/vswarm/";

    /// <summary>Members prefix.</summary>
    public const string Members = Root + "members/";

    /// <summary>Bridges prefix.</summary>
    public const string Bridges = Root + "bridges/";

    /// <summary>Status prefix.</summary>
    public const string Status = Root + "status/";

    /// <summary>A member's key.</summary>
    public static string Member(string node) => Members + node;

    /// <summary>A bridge's configuration key.</summary>
    public static string Config(string bridge) => Bridges + bridge + "/config";

    /// <summary>A bridge's rules key.</summary>
    public static string Flows(string bridge) => Bridges + bridge + "/flows";

    /// <summary>A bridge's owner claim.</summary>
    public static string Owner(string bridge) => Bridges + bridge + "/owner";

    /// <summary>An owner's status record of a bridge.</summary>
    public static string BridgeStatus(string node, string bridge) => Status + node + "/" + bridge;

    /// <summary>Splits <c>/vswarm/bridges/&lt;br&gt;/&lt;leaf&gt;</c>; false for any other key.</summary>
    public static bool TryParseBridgeKey(string key, out string bridge, out string leaf)
    {
        ArgumentNullException.ThrowIfNull(key);
        bridge = leaf = string.Empty;
        if (!key.StartsWith(Bridges, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key.AsSpan(Bridges.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        bridge = rest[..slash].ToString();
        leaf = rest[(slash + 1)..].ToString();
        return true;
    }

    /// <summary>Throws when <paramref name="name"/> cannot be a node or bridge name in a key.</summary>
    public static void ValidateName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{name}' is not a valid {what} name (non-empty, no '/' or spaces)");
        }
    }
}
