using System.Text;

namespace VSwarm.Runtime;

/// <summary>
/// Models Akka's <c>ActorPath</c>: the system name plus the path elements, printed as
/// <c>vswarm://sys/user/bridges/br0</c>. Deviation: local only (no host/port address part), and the
/// incarnation UID lives on <see cref="IActorRef.Uid"/> rather than on the path.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    /// <summary>The URI scheme of every VSwarm actor path.</summary>
    public const string Scheme = "vswarm";

    private readonly string[] _elements;
    private string? _text;

    /// <summary>Creates a path from a system name and its elements (e.g. "user", "a").</summary>
    public ActorPath(string systemName, IEnumerable<string> elements)
    {
        ArgumentNullException.ThrowIfNull(systemName);
        ArgumentNullException.ThrowIfNull(elements);
        SystemName = systemName;
        _elements = elements.ToArray();
    }

    private ActorPath(string systemName, string[] elements, bool _)
    {
        SystemName = systemName;
        _elements = elements;
    }

    /// <summary>Name of the actor system this path belongs to.</summary>
    public string SystemName { get; }

    /// <summary>The path elements below the root, e.g. ["user", "bridges", "br0"].</summary>
    public IReadOnlyList<string> Elements => _elements;

    /// <summary>The last element, or "" for the root.</summary>
    public string Name => _elements.Length == 0 ? string.Empty : _elements[^1];

    /// <summary>The root path of the system.</summary>
    public ActorPath Root => new(SystemName, [], false);

    /// <summary>The parent path, or null for the root.</summary>
    public ActorPath? Parent => _elements.Length == 0 ? null : new ActorPath(SystemName, _elements[..^1], false);

    /// <summary>Returns the child path with the given name.</summary>
    public ActorPath Child(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var next = new string[_elements.Length + 1];
        Array.Copy(_elements, next, _elements.Length);
        next[^1] = name;
        return new ActorPath(SystemName, next, false);
    }

    /// <summary>"/user/a/b" without scheme and system.</summary>
    public string ToStringWithoutAddress() => "/" + string.Join('/', _elements);

    /// <inheritdoc />
    public override string ToString()
    {
        if (_text is null)
        {
            var sb = new StringBuilder(Scheme.Length + 4 + SystemName.Length + 16 * _elements.Length);
            sb.Append(Scheme).Append("://").Append(SystemName).Append('/');
            sb.AppendJoin('/', _elements);
            _text = sb.ToString();
        }

        return _text;
    }

    /// <summary>Parses "vswarm://sys/a/b". Returns false when the text is not such a path.</summary>
    public static bool TryParse(string text, out ActorPath? path)
    {
        path = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        const string prefix = Scheme + "://";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = text[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var sys = slash < 0 ? rest : rest[..slash];
        if (sys.Length == 0)
        {
            return false;
        }

        var elems = slash < 0
            ? []
            : rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        path = new ActorPath(sys, elems, false);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(ActorPath? other) =>
        other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());
}
