using VSwarm.Runtime.Event;

namespace VSwarm.Runtime;

/// <summary>Akka's <c>LocalActorRef</c>: the ref of an actor living in this process.</summary>
internal sealed class LocalActorRef : InternalActorRef
{
    public LocalActorRef(ActorSystem system, ActorPath path, long uid)
        : base(path, uid, system)
    {
    }

    public ActorCell Cell { get; set; } = null!;

    public override bool IsTerminated => Cell.IsTerminated;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = new Envelope(message, sender ?? ActorRefs.Nobody);
        var mailbox = Cell.Mailbox;
        switch (mailbox.Enqueue(envelope))
        {
            case Mailbox.EnqueueResult.Ok:
                if (mailbox.IsClosed)
                {
                    // Raced with termination: whatever is left goes to dead letters.
                    Cell.DrainAfterClose();
                }

                break;
            case Mailbox.EnqueueResult.Closed:
                Cell.System.DeadLetter(envelope.Message, envelope.Sender, this);
                break;
            case Mailbox.EnqueueResult.Full:
                Cell.System.EventStream.Publish(new Dropped(envelope.Message, "mailbox full", envelope.Sender, this));
                Cell.System.DeadLetter(envelope.Message, envelope.Sender, this);
                break;
        }
    }

    internal override void SendSystemMessage(SystemMessage message)
    {
        var mailbox = Cell.Mailbox;
        if (mailbox.IsClosed)
        {
            Cell.HandleSystemMessageAfterClose(message);
            return;
        }

        mailbox.SystemEnqueue(message);
        if (mailbox.IsClosed)
        {
            Cell.DrainAfterClose();
        }
    }
}
