namespace VSwarm.Runtime;

/// <summary>
/// The identity rules every ref shares, local or of another node (Akka: a ref is its path plus its
/// incarnation UID): equality, hash, ordering by path text then UID, and the printed form.
/// </summary>
internal static class ActorRefIdentity
{
    public static bool Equal(IActorRef self, IActorRef? other) =>
        other is not null && (ReferenceEquals(self, other) || (self.Uid == other.Uid && self.Path.Equals(other.Path)));

    public static int Hash(IActorRef self) => HashCode.Combine(self.Path, self.Uid);

    public static int Compare(IActorRef self, IActorRef? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = string.CompareOrdinal(self.Path.ToString(), other.Path.ToString());
        return c != 0 ? c : self.Uid.CompareTo(other.Uid);
    }

    public static string Format(IActorRef self) => $"[{self.Path}#{self.Uid}]";
}
