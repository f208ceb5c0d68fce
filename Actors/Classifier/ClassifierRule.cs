using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// OVS's version numbers (lib/versions.h): a rule is visible in version <c>v</c> iff
/// <c>AddVersion &lt;= v &lt; RemoveVersion</c>.
/// </summary>
public static class ClassifierVersion
{
    /// <summary>The first version (OVS_VERSION_MIN).</summary>
    public const ulong Min = 0;

    /// <summary>The last usable version (OVS_VERSION_MAX = 2^64 − 2).</summary>
    public const ulong Max = ulong.MaxValue - 1;

    /// <summary>The remove version of a rule that is not scheduled for removal (2^64 − 1).</summary>
    public const ulong NotRemoved = ulong.MaxValue;
}

/// <summary>
/// A classifier rule: a match, a priority, a payload (the rule's identity for its owner, e.g. an
/// OpenFlow flow entry) and the versions in which it is visible. Rules are compared by reference.
/// The same rule object may be inserted into several classifiers (the tests mirror a
/// <see cref="TupleSpaceClassifier{T}"/> into a <see cref="LinearClassifier{T}"/>); its visibility is
/// then shared, as it lives in the rule.
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class ClassifierRule<T>
{
    private ulong _removeVersion = ClassifierVersion.NotRemoved;

    /// <summary>Creates a rule visible from <paramref name="addVersion"/> on.</summary>
    public ClassifierRule(in Match match, int priority, T payload, ulong addVersion = ClassifierVersion.Min)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(addVersion, ClassifierVersion.Max);
        Match = match;
        Priority = priority;
        Payload = payload;
        AddVersion = addVersion;
    }

    /// <summary>The match (its key is masked).</summary>
    public Match Match { get; }

    /// <summary>The priority: higher wins.</summary>
    public int Priority { get; }

    /// <summary>The owner's payload.</summary>
    public T Payload { get; }

    /// <summary>The first version in which the rule is visible.</summary>
    public ulong AddVersion { get; }

    /// <summary>The first version in which the rule is no longer visible (<see cref="ClassifierVersion.NotRemoved"/> if none).</summary>
    public ulong RemoveVersion => Volatile.Read(ref _removeVersion);

    /// <summary>True when the rule is visible to a lookup in <paramref name="version"/>.</summary>
    public bool IsVisibleIn(ulong version) => AddVersion <= version && version < Volatile.Read(ref _removeVersion);

    /// <summary>True when a removal has been scheduled (OVS: cls_rule_visible_in_version is bounded).</summary>
    public bool IsRemovalScheduled => RemoveVersion != ClassifierVersion.NotRemoved;

    /// <summary>True when some version sees both this rule and <paramref name="other"/>.</summary>
    internal bool VisibilityOverlaps(ClassifierRule<T> other) =>
        AddVersion < other.RemoveVersion && other.AddVersion < RemoveVersion;

    /// <summary>
    /// Schedules the rule's removal: it stays visible to versions before <paramref name="version"/>
    /// (OVS's cls_rule_make_invisible_in_version). The caller removes it physically later, once no
    /// reader can still use an older version.
    /// </summary>
    internal void MakeInvisibleIn(ulong version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, AddVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, ClassifierVersion.Max);
        Volatile.Write(ref _removeVersion, version);
    }

    /// <summary>Cancels a scheduled removal (OVS's cls_rule_restore_visibility, used to roll back a bundle).</summary>
    internal void RestoreVisibility() => Volatile.Write(ref _removeVersion, ClassifierVersion.NotRemoved);

    /// <inheritdoc/>
    public override string ToString() =>
        $"priority={Priority},{Match} [{AddVersion},{(RemoveVersion == ClassifierVersion.NotRemoved ? "∞" : RemoveVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))}) {Payload}";
}
