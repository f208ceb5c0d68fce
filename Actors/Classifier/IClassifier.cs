using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// An OpenFlow-table classifier in the sense of OVS's lib/classifier.h: prioritised, versioned
/// rules; a lookup returns the highest-priority rule visible in the lookup's version that matches
/// a flow, and ORs into a wildcard mask every bit that decided the answer (the megaflow mask).
/// </summary>
/// <remarks>
/// <para>Concurrency: one writer at a time (callers serialise the mutating methods); any number of
/// readers (<c>Lookup</c>, <c>FindExactly</c>, <c>Overlaps</c>, <c>Rules</c>) run concurrently with
/// the writer, lock-free, and never block it.</para>
/// <para>Ties: when several rules of the same priority match, the winner is deterministic —
/// see <see cref="TupleSpaceClassifier{T}"/> for the order (subtable order, which the
/// <see cref="LinearClassifier{T}"/> reference reproduces).</para>
/// </remarks>
/// <typeparam name="T">Rule payload.</typeparam>
public interface IClassifier<T>
{
    /// <summary>Number of rules physically present (visible or not).</summary>
    int Count { get; }

    /// <summary>
    /// Inserts a rule (visible from its <see cref="ClassifierRule{T}.AddVersion"/>). Throws when an
    /// identical rule (same match and priority) would be visible in some version together with it.
    /// </summary>
    void Insert(ClassifierRule<T> rule);

    /// <summary>
    /// Inserts a rule, physically replacing an identical rule (same match and priority) that is not
    /// scheduled for removal (OVS's classifier_replace); returns the displaced rule or null.
    /// </summary>
    ClassifierRule<T>? Replace(ClassifierRule<T> rule);

    /// <summary>Physically removes a rule; false when it was not in the classifier.</summary>
    bool Remove(ClassifierRule<T> rule);

    /// <summary>
    /// Schedules a rule's removal at <paramref name="version"/>: lookups in earlier versions still
    /// see it. Together with inserts at the same future version this makes an atomic batch.
    /// </summary>
    void RemoveInVersion(ClassifierRule<T> rule, ulong version);

    /// <summary>Cancels a scheduled removal.</summary>
    void RestoreVisibility(ClassifierRule<T> rule);

    /// <summary>The best visible matching rule, without wildcard tracking.</summary>
    ClassifierRule<T>? Lookup(in FlowKey flow, ulong version);

    /// <summary>
    /// The best visible matching rule; ORs into <paramref name="wildcards"/> the bits that decided
    /// it (never removes bits).
    /// </summary>
    ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards);

    /// <summary>The rule with exactly this match and priority visible in <paramref name="version"/>.</summary>
    ClassifierRule<T>? FindExactly(in Match match, int priority, ulong version);

    /// <summary>
    /// OpenFlow CHECK_OVERLAP: true when a rule of the same priority, visible in the version,
    /// matches some packet that <paramref name="match"/> matches.
    /// </summary>
    bool Overlaps(in Match match, int priority, ulong version);

    /// <summary>
    /// The rules, optionally only those visible in <paramref name="version"/> and only those that
    /// are loose matches of <paramref name="target"/> (OVS's CLS_FOR_EACH_TARGET).
    /// </summary>
    IEnumerable<ClassifierRule<T>> Rules(ulong? version = null, Match? target = null);
}
