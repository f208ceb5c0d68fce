namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>ActorSelection</c>: actors addressed by path, resolved at send time. Path elements may use
/// '*' and '?' wildcards and ".." for the parent. A Tell that matches nothing goes to dead letters
/// (an <see cref="Identify"/> is answered with an empty <see cref="ActorIdentity"/>).
/// Deviation: resolution walks the local tree directly instead of sending selection messages.
/// </summary>
public sealed class ActorSelection : ICanTell
{
    private readonly ActorSystem _system;
    private readonly ActorCell? _anchor;
    private readonly string[] _elements;

    private ActorSelection(ActorSystem system, ActorCell? anchor, string[] elements, string pathString)
    {
        _system = system;
        _anchor = anchor;
        _elements = elements;
        PathString = pathString;
    }

    /// <summary>The selection's path as given.</summary>
    public string PathString { get; }

    internal ActorSystem System => _system;

    internal static ActorSelection Create(ActorSystem system, ActorCell relativeTo, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (ActorPath.TryParse(path, out var parsed))
        {
            var anchor = string.Equals(parsed!.SystemName, system.Name, StringComparison.Ordinal) ? system.RootCell : null;
            return new ActorSelection(system, anchor, [.. parsed.Elements], path);
        }

        var elems = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return path.StartsWith('/')
            ? new ActorSelection(system, system.RootCell, elems, path)
            : new ActorSelection(system, relativeTo, elems, path);
    }

    /// <summary>Sends to every actor the selection currently matches.</summary>
    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_anchor is null && External() is { } remote)
        {
            remote.Tell(message, sender);
            return;
        }

        var targets = Resolve();
        if (targets.Count == 0)
        {
            var s = sender ?? ActorRefs.Nobody;
            if (message is Identify id)
            {
                s.Tell(new ActorIdentity(id.MessageId, null), ActorRefs.Nobody);
            }
            else
            {
                _system.DeadLetter(message, s, _system.DeadLetters);
            }

            return;
        }

        foreach (var t in targets)
        {
            t.Tell(message, sender);
        }
    }

    /// <summary>Resolves to exactly one live actor, or fails with <see cref="ActorNotFoundException"/>.</summary>
    public Task<IActorRef> ResolveOne(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_anchor is null && External() is { } remote)
        {
            return Task.FromResult(remote);
        }

        var targets = Resolve();
        return targets.Count > 0
            ? Task.FromResult(targets[0])
            : Task.FromException<IActorRef>(new ActorNotFoundException($"Actor not found for: {PathString}"));
    }

    internal List<IActorRef> Resolve()
    {
        var current = new List<ActorCell>();
        if (_anchor is not null)
        {
            current.Add(_anchor);
        }

        foreach (var element in _elements)
        {
            var next = new List<ActorCell>();
            foreach (var cell in current)
            {
                if (element == "..")
                {
                    if (cell.ParentRef is LocalActorRef p)
                    {
                        next.Add(p.Cell);
                    }
                }
                else if (element == ".")
                {
                    next.Add(cell);
                }
                else if (element.Contains('*', StringComparison.Ordinal) || element.Contains('?', StringComparison.Ordinal))
                {
                    next.AddRange(cell.GetChildRefs().Where(c => Glob(element, c.Path.Name)).Select(c => c.Cell));
                }
                else if (cell.GetChild(element) is { } child)
                {
                    next.Add(child.Cell);
                }
            }

            current = next;
            if (current.Count == 0)
            {
                break;
            }
        }

        return current.Where(c => !c.IsTerminated).Select(c => c.Self).ToList();
    }

    /// <summary>A selection of another system's path without wildcards goes to the external resolver (a remote ref).</summary>
    private IActorRef? External()
    {
        if (!ActorPath.TryParse(PathString, out var parsed) || _elements.Any(e => e is "." or ".." || e.Contains('*', StringComparison.Ordinal) || e.Contains('?', StringComparison.Ordinal)))
        {
            return null;
        }

        return _system.ResolveExternal(parsed!);
    }

    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <inheritdoc />
    public override string ToString() => $"ActorSelection[{PathString}]";
}
