namespace VSwarm.Runtime;

/// <summary>Akka's <c>Envelope</c>: a user message and its sender, as stored in a mailbox.</summary>
public readonly record struct Envelope(object Message, IActorRef Sender);

/// <summary>
/// Mailbox choice for <see cref="Props.WithMailbox"/> (Akka's mailbox types, reduced to the two the
/// model needs): unbounded, or bounded with a capacity where overflow drops and counts the message
/// (Akka's bounded mailbox blocks or times out the sender instead; dropping is what an OVS upcall
/// queue does).
/// </summary>
public sealed record MailboxOptions
{
    private MailboxOptions(int capacity) => Capacity = capacity;

    /// <summary>Capacity of a bounded mailbox; 0 for unbounded.</summary>
    public int Capacity { get; }

    /// <summary>True when the mailbox has a capacity.</summary>
    public bool IsBounded => Capacity > 0;

    /// <summary>The default unbounded mailbox.</summary>
    public static MailboxOptions Unbounded { get; } = new(0);

    /// <summary>A bounded mailbox that drops (and counts) messages beyond <paramref name="capacity"/>.</summary>
    public static MailboxOptions Bounded(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return new MailboxOptions(capacity);
    }
}
