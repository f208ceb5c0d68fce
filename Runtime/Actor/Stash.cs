namespace VSwarm.Runtime;

/// <summary>
/// Akka's <c>IStash</c>: set messages aside and put them back at the head of the mailbox later.
/// On restart the stash is unstashed (prepended to the mailbox, in order) before PreRestart, as in Akka;
/// on stop the stashed messages go to dead letters.
/// </summary>
public interface IStash
{
    /// <summary>Number of stashed messages.</summary>
    int Count { get; }

    /// <summary>Stashes the message being processed (twice the same message throws IllegalActorStateException).</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back at the head of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts every stashed message back at the head of the mailbox, oldest first.</summary>
    void UnstashAll();

    /// <summary>Puts back the stashed messages matching <paramref name="predicate"/>; the rest stay stashed.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Empties the stash and returns what it held.</summary>
    IReadOnlyList<Envelope> ClearStash();
}

/// <summary>Akka's <c>IActorStash</c>: actors with a stash get <see cref="Stash"/> set by the runtime after construction.</summary>
public interface IWithStash
{
    /// <summary>The actor's stash (set by the runtime).</summary>
    IStash Stash { get; set; }
}

/// <summary>Akka's <c>IWithUnboundedStash</c> (the only stash kind here).</summary>
public interface IWithUnboundedStash : IWithStash
{
}

internal sealed class StashImpl(ActorCell cell) : IStash
{
    private readonly LinkedList<Envelope> _items = new();

    public int Count => _items.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (_items.Last is { } last && ReferenceEquals(last.Value.Message, current.Message) && Equals(last.Value.Sender, current.Sender))
        {
            throw new IllegalActorStateException($"Can't stash the same message {current.Message} more than once");
        }

        _items.AddLast(current);
    }

    public void Unstash()
    {
        if (_items.First is { } first)
        {
            _items.RemoveFirst();
            cell.Mailbox.Prepend([first.Value]);
        }
    }

    public void UnstashAll()
    {
        if (_items.Count > 0)
        {
            var all = _items.ToArray();
            _items.Clear();
            cell.Mailbox.Prepend(all);
        }
    }

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var take = _items.Where(predicate).ToArray();
        foreach (var e in take)
        {
            _items.Remove(e);
        }

        cell.Mailbox.Prepend(take);
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _items.ToArray();
        _items.Clear();
        return all;
    }
}
