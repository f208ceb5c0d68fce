namespace VSwarm.Runtime;

/// <summary>Models Akka's <c>ICanTell</c>: something a message can be told to (a ref or a selection).</summary>
public interface ICanTell
{
    /// <summary>Sends <paramref name="message"/> with an explicit sender (null means no sender).</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>
/// Models Akka's <c>IActorRef</c>: a handle to one incarnation of an actor. Two refs are equal when
/// both path and <see cref="Uid"/> are equal. Deviation: the UID is a property of the ref, not of
/// the path.
/// </summary>
public interface IActorRef : ICanTell, IEquatable<IActorRef>, IComparable<IActorRef>, IComparable
{
    /// <summary>The actor's path.</summary>
    ActorPath Path { get; }

    /// <summary>Incarnation id: a new actor at the same path gets a different UID.</summary>
    long Uid { get; }
}

/// <summary>Models Akka's <c>ActorRefs</c>: the well-known <see cref="Nobody"/> and <see cref="NoSender"/>.</summary>
public static class ActorRefs
{
    /// <summary>A ref that swallows every message (Akka's <c>Nobody</c>).</summary>
    public static IActorRef Nobody { get; } = new NobodyRef();

    /// <summary>No sender: <c>null</c>, as in Akka.</summary>
    public static IActorRef? NoSender => null;

    /// <summary>
    /// An ambient implicit sender for code outside actors (the TestKit sets its TestActor here).
    /// An AsyncLocal, so it flows with the test body and never leaks between thread-pool users.
    /// </summary>
    internal static readonly AsyncLocal<IActorRef?> AmbientSender = new();

    /// <summary>The implicit sender: the current actor, else the ambient sender, else Nobody.</summary>
    internal static IActorRef ImplicitSender =>
        ActorCell.Current?.Self ?? AmbientSender.Value ?? Nobody;

    private sealed class NobodyRef : InternalActorRef
    {
        public NobodyRef()
            : base(new ActorPath("all-systems", ["Nobody"]), 0, null)
        {
        }

        public override void Tell(object message, IActorRef? sender)
        {
        }

        internal override void SendSystemMessage(SystemMessage message) => ReplyTerminatedToWatch(message, false);
    }
}

/// <summary>Extension methods on refs that mirror Akka's implicit-sender Tell and Forward.</summary>
public static class ActorRefExtensions
{
    /// <summary>
    /// Tell with the implicit sender: the current actor inside a handler, the TestKit's TestActor in a
    /// test body, else <see cref="ActorRefs.Nobody"/> (Akka's <c>Tell(msg)</c>).
    /// </summary>
    public static void Tell(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.Tell(message, ActorRefs.ImplicitSender);
    }

    /// <summary>Sends the message keeping the sender of the message being processed (Akka's <c>Forward</c>).</summary>
    public static void Forward(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var cell = ActorCell.Current;
        receiver.Tell(message, cell is null ? ActorRefs.ImplicitSender : cell.Sender);
    }

    /// <summary>True when the ref is <see cref="ActorRefs.Nobody"/> or null.</summary>
    public static bool IsNobody(this IActorRef? actorRef) => actorRef is null || ReferenceEquals(actorRef, ActorRefs.Nobody);

    /// <summary>
    /// True once the local actor (or temp ref) behind this ref has terminated; false for live actors and
    /// for refs the kernel cannot see into (remote refs). Lets caches of resolved refs notice a stale entry.
    /// </summary>
    public static bool IsTerminated(this IActorRef actorRef) => actorRef is InternalActorRef { IsTerminated: true };

    /// <summary>
    /// Messages dropped by this actor's bounded mailbox since it was created (0 for unbounded mailboxes
    /// and for refs that are not local actors).
    /// </summary>
    public static long DroppedMessageCount(this IActorRef actorRef) =>
        actorRef is LocalActorRef l ? l.Cell.Mailbox.DroppedCount : 0;

    /// <summary>Number of user messages waiting in the actor's mailbox (approximate; 0 for non-local refs).</summary>
    public static int MailboxCount(this IActorRef actorRef) =>
        actorRef is LocalActorRef l ? l.Cell.Mailbox.ApproximateCount : 0;
}

/// <summary>Base of every ref implementation: equality by path and UID, ordering by path then UID.</summary>
internal abstract class InternalActorRef : IActorRef
{
    protected InternalActorRef(ActorPath path, long uid, ActorSystem? system)
    {
        Path = path;
        Uid = uid;
        System = system;
    }

    public ActorPath Path { get; }

    public long Uid { get; }

    /// <summary>The owning system (null for <see cref="ActorRefs.Nobody"/>).</summary>
    public ActorSystem? System { get; }

    /// <summary>True once the actor behind this ref has terminated.</summary>
    public virtual bool IsTerminated => false;

    public abstract void Tell(object message, IActorRef? sender);

    internal abstract void SendSystemMessage(SystemMessage message);

    /// <summary>For refs without a real actor: a Watch is answered at once with a death notification.</summary>
    protected void ReplyTerminatedToWatch(SystemMessage message, bool existenceConfirmed)
    {
        if (message is Watch w && ReferenceEquals(w.Watchee, this) && !ReferenceEquals(w.Watcher, this))
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed, false));
        }
    }

    public bool Equals(IActorRef? other) => ActorRefIdentity.Equal(this, other);

    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    public override int GetHashCode() => ActorRefIdentity.Hash(this);

    public int CompareTo(IActorRef? other) => ActorRefIdentity.Compare(this, other);

    public int CompareTo(object? obj) => obj is IActorRef r ? CompareTo(r) : 1;

    public override string ToString() => ActorRefIdentity.Format(this);
}
