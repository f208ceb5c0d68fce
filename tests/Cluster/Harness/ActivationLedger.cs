namespace VSwarm.Tests.Cluster.Harness;

/// <summary>
/// The harness's global view of which node runs which bridge, checked at every activation: a
/// second active owner of one bridge is recorded as a violation (the property the placement
/// tests assert never happens).
/// </summary>
public sealed class ActivationLedger
{
    private readonly Dictionary<string, (string Node, long Token)> _active = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private readonly List<string> _history = [];

    public IReadOnlyList<string> Violations => _violations;

    public IReadOnlyList<string> History => _history;

    public IReadOnlyDictionary<string, (string Node, long Token)> Active => _active;

    public void Activate(string bridge, string node, long token, TimeSpan at)
    {
        _history.Add($"{at.TotalMilliseconds} +{bridge}@{node}#{token}");
        if (_active.TryGetValue(bridge, out var other))
        {
            _violations.Add($"{at.TotalMilliseconds} ms: {bridge} activated on {node} (token {token}) while active on {other.Node} (token {other.Token})");
        }
        else if (_lastToken.TryGetValue(bridge, out var last) && token <= last)
        {
            _violations.Add($"{at.TotalMilliseconds} ms: {bridge} activated on {node} with token {token} not above the previous {last}");
        }

        _active[bridge] = (node, token);
        _lastToken[bridge] = Math.Max(token, _lastToken.GetValueOrDefault(bridge));
    }

    public void Deactivate(string bridge, string node, TimeSpan at)
    {
        _history.Add($"{at.TotalMilliseconds} -{bridge}@{node}");
        if (_active.TryGetValue(bridge, out var cur) && cur.Node == node)
        {
            _active.Remove(bridge);
        }
    }

    /// <summary>A crashed process runs nothing.</summary>
    public void Crash(string node, TimeSpan at)
    {
        foreach (var b in _active.Where(kv => kv.Value.Node == node).Select(kv => kv.Key).ToList())
        {
            Deactivate(b, node, at);
        }
    }

    private readonly Dictionary<string, long> _lastToken = new(StringComparer.Ordinal);
}
