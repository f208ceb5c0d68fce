using System.Collections.Immutable;
using VSwarm.Actors.Classifier;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Actors.Tables;

/// <summary>
/// Applies OpenFlow flow-mods to a bridge's <see cref="OpenFlowTables"/> (OVS's ofproto flow-mod
/// code as a plain class). Single writer: the bridge's classifier actor owns the calls.
/// </summary>
/// <remarks>
/// <para><b>Atomic batches.</b> <see cref="Apply"/> makes every change of a batch at
/// <c>V = NextVersion</c>: new entries are inserted visible from V, replaced and deleted entries
/// are scheduled invisible from V, and each flow-mod sees the effects of the ones before it
/// (lookups at V). If a flow-mod fails, everything done so far is undone (new entries removed,
/// scheduled removals cancelled) and the batch is rejected with a <see cref="FlowModError"/>;
/// nothing was published, so no reader ever saw any of it (OVS's bundle commit). Otherwise V is
/// published. A batch that changed nothing publishes nothing.</para>
/// <para><b>Semantics</b> (OpenFlow 1.0/1.3, ovs-ofctl(8), OVS 3.1 ofproto): add replaces a
/// visible rule of identical match and priority (no overlap check then; the counters move to the
/// new entry, the timeouts and creation time are the new ones); with CHECK_OVERLAP an add with no
/// identical rule fails if a rule of the same priority overlaps. Modify replaces each selected
/// rule by one with the new actions (and the new cookie when <see cref="FlowMod.SetCookie"/>),
/// keeping its timeouts, creation time and counters; a modify that changes neither actions nor
/// cookie is skipped (nothing to revalidate). Loose selection is OVS's
/// <c>cls_rule_is_loose_match</c> (priority ignored); strict selection is the exact match and
/// priority. Selection is filtered by the cookie mask and out_port.</para>
/// <para><b>Physical removal.</b> An entry invisible from version R stays in the classifier for
/// readers still looking up at a version below R. <see cref="CollectGarbage"/> removes those with
/// R ≤ the oldest version any reader may still use; the caller supplies that version (the
/// classifier actor passes the version that was current one expiry tick earlier — translation
/// takes microseconds, a tick is a second). Entries added and removed within one batch were never
/// visible and are removed at once.</para>
/// <para><b>Expiry.</b> <see cref="Expire"/> removes (in a new version) every visible rule whose
/// hard_timeout passed since <see cref="FlowEntry.CreatedMs"/> or whose idle_timeout passed
/// since <see cref="FlowEntry.UsedMs"/> (which revalidators move with
/// <see cref="FlowEntry.PushStats"/>); hard is checked first, like OVS.</para>
/// </remarks>
public sealed class FlowModProcessor
{
    private readonly OpenFlowTables _tables;
    private readonly List<FlowEntry> _pendingRemoval = [];

    /// <summary>Creates a processor writing to <paramref name="tables"/>.</summary>
    public FlowModProcessor(OpenFlowTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _tables = tables;
    }

    /// <summary>The tables written to.</summary>
    public OpenFlowTables Tables => _tables;

    /// <summary>Entries that are invisible in the current version but not yet physically removed.</summary>
    public int PendingRemovalCount => _pendingRemoval.Count;

    /// <summary>Applies one flow-mod as a batch of one.</summary>
    public FlowModResult Apply(FlowMod mod, long nowMs) => Apply([mod], nowMs);

    /// <summary>
    /// Applies a batch atomically in the next version and publishes it (see the remarks); on
    /// failure nothing changes and the error names the failing flow-mod.
    /// </summary>
    /// <param name="batch">The flow-mods, applied in order.</param>
    /// <param name="nowMs">The bridge clock (ms), for the creation time of new entries.</param>
    public FlowModResult Apply(IReadOnlyList<FlowMod> batch, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var tx = new Transaction(_tables, _tables.NextVersion, nowMs);
        for (var i = 0; i < batch.Count; i++)
        {
            var mod = batch[i] ?? throw new ArgumentException($"flow-mod {i} is null", nameof(batch));
            (FlowModErrorCode Code, string Message)? failure;
            try
            {
                failure = tx.Run(mod);
            }
            catch
            {
                tx.Rollback();
                throw;
            }

            if (failure is { } f)
            {
                tx.Rollback();
                return FlowModResult.Fail(new FlowModError(i, f.Code, $"{mod}: {f.Message}"));
            }
        }

        if (tx.IsEmpty)
        {
            return FlowModResult.Ok(FlowModReport.Unchanged(_tables.Version));
        }

        var version = _tables.Publish();
        var report = tx.Commit(version, _pendingRemoval);
        return FlowModResult.Ok(report);
    }

    /// <summary>
    /// Deletes, in a new published version, every rule visible now whose hard or idle timeout has
    /// passed at <paramref name="nowMs"/>, and returns them.
    /// </summary>
    public FlowExpiryReport Expire(long nowMs)
    {
        var current = _tables.Version;
        var expired = ImmutableArray.CreateBuilder<ExpiredFlow>();
        foreach (var e in _tables.Entries(version: current))
        {
            var rule = e.Rule;
            if (rule.HardTimeout > 0 && nowMs >= e.CreatedMs + (rule.HardTimeout * 1000L))
            {
                expired.Add(new ExpiredFlow(e, FlowRemovedReason.HardTimeout));
            }
            else if (rule.IdleTimeout > 0 && nowMs >= e.UsedMs + (rule.IdleTimeout * 1000L))
            {
                expired.Add(new ExpiredFlow(e, FlowRemovedReason.IdleTimeout));
            }
        }

        if (expired.Count == 0)
        {
            return new FlowExpiryReport(current, []);
        }

        var version = _tables.NextVersion;
        foreach (var x in expired)
        {
            _tables.RemoveInVersion(x.Entry, version);
            _pendingRemoval.Add(x.Entry);
        }

        _tables.Publish();
        return new FlowExpiryReport(version, expired.ToImmutable());
    }

    /// <summary>
    /// Physically removes the entries that no reader can see any more: those invisible from a
    /// version ≤ <paramref name="oldestReaderVersion"/> (the oldest version a reader may still be
    /// looking up in). Returns how many were removed.
    /// </summary>
    public int CollectGarbage(ulong oldestReaderVersion)
    {
        var removed = 0;
        _pendingRemoval.RemoveAll(e =>
        {
            if (e.Handle.RemoveVersion > oldestReaderVersion)
            {
                return false;
            }

            _tables.Remove(e);
            removed++;
            return true;
        });
        return removed;
    }

    /// <summary>The change being built at one version, with enough to undo it.</summary>
    private sealed class Transaction(OpenFlowTables tables, ulong version, long nowMs)
    {
        private readonly List<FlowEntry> _added = [];
        private readonly List<FlowEntry> _removed = [];
        private readonly HashSet<FlowEntry> _addedSet = new(ReferenceEqualityComparer.Instance);

        // new entry -> the entry visible before the batch that it (transitively) replaces
        private readonly Dictionary<FlowEntry, FlowEntry> _origin = new(ReferenceEqualityComparer.Instance);

        public bool IsEmpty => _added.Count == 0 && _removed.Count == 0;

        public (FlowModErrorCode Code, string Message)? Run(FlowMod mod)
        {
            var rule = mod.Rule;
            switch (mod.Command)
            {
                case FlowModCommand.Add:
                    return Add(rule, mod.CheckOverlap);
                case FlowModCommand.Modify:
                case FlowModCommand.ModifyStrict:
                {
                    if (Select(mod) is not { } targets)
                    {
                        return (FlowModErrorCode.BadTableId, "table 255 is not a flow table (use 0..254, or no table= for all)");
                    }

                    if (targets.Count == 0)
                    {
                        // OVS 3.1 modify_may_add_flow: a new cookie and no cookie filter.
                        return mod.SetCookie && rule.CookieMask == 0
                            ? Add(mod.AllTables ? rule with { Table = 0 } : rule, checkOverlap: false)
                            : null;
                    }

                    foreach (var old in targets)
                    {
                        var cookie = mod.SetCookie ? rule.Cookie : old.Rule.Cookie;
                        if (cookie == old.Rule.Cookie && rule.Actions.Equals(old.Rule.Actions))
                        {
                            continue;
                        }

                        var replacement = new FlowEntry(old.Rule with { Actions = rule.Actions, Cookie = cookie, CookieMask = 0 }, version, old.CreatedMs);
                        replacement.PushStats(old.Packets, old.Bytes, old.UsedMs);
                        Replace(old, replacement);
                    }

                    return null;
                }

                case FlowModCommand.Delete:
                case FlowModCommand.DeleteStrict:
                {
                    if (Select(mod) is not { } targets)
                    {
                        return (FlowModErrorCode.BadTableId, "table 255 is not a flow table (use 0..254, or no table= for all)");
                    }

                    foreach (var old in targets)
                    {
                        ScheduleRemoval(old);
                    }

                    return null;
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(mod), mod.Command, "unknown flow-mod command");
            }
        }

        private (FlowModErrorCode Code, string Message)? Add(OpenFlowRule rule, bool checkOverlap)
        {
            if (rule.Table >= OpenFlowTables.TableCount)
            {
                return (FlowModErrorCode.BadTableId, $"table {rule.Table} is not a flow table (0..254)");
            }

            if (rule.CookieMask != 0)
            {
                return (FlowModErrorCode.BadCookieMask, "an add cannot carry a cookie mask");
            }

            var existing = tables.Table(rule.Table)?.FindExactly(rule.Match, rule.Priority, version)?.Payload;
            if (existing is null && checkOverlap && tables.Table(rule.Table) is { } cls && cls.Overlaps(rule.Match, rule.Priority, version))
            {
                var other = cls.Rules(version)
                    .FirstOrDefault(r => r.Priority == rule.Priority && r.Match.Overlaps(rule.Match))?.Payload;
                return (FlowModErrorCode.Overlap, $"overlaps a rule of the same priority in table {rule.Table}{(other is null ? string.Empty : $": {OfctlFlowFormatter.Format(other.Rule)}")}");
            }

            var entry = new FlowEntry(rule, version, nowMs);
            if (existing is null)
            {
                tables.Insert(entry);
                _added.Add(entry);
                _addedSet.Add(entry);
            }
            else
            {
                // OpenFlow: the counters carry over unless OFPFF_RESET_COUNTS (not modelled).
                entry.PushStats(existing.Packets, existing.Bytes, nowMs);
                Replace(existing, entry);
            }

            return null;
        }

        private void Replace(FlowEntry old, FlowEntry replacement)
        {
            ScheduleRemoval(old);
            tables.Insert(replacement);
            _added.Add(replacement);
            _addedSet.Add(replacement);
            if (_origin.TryGetValue(old, out var first))
            {
                _origin[replacement] = first;
            }
            else if (!_addedSet.Contains(old))
            {
                _origin[replacement] = old;
            }
        }

        private void ScheduleRemoval(FlowEntry entry)
        {
            tables.RemoveInVersion(entry, version);
            _removed.Add(entry);
        }

        /// <summary>The entries a modify/delete acts on, or null for a bad table id.</summary>
        private List<FlowEntry>? Select(FlowMod mod)
        {
            var rule = mod.Rule;
            if (!mod.AllTables && rule.Table >= OpenFlowTables.TableCount)
            {
                return null;
            }

            var found = new List<FlowEntry>();
            for (var t = 0; t < OpenFlowTables.TableCount; t++)
            {
                if ((!mod.AllTables && t != rule.Table) || tables.Table((byte)t) is not { } cls)
                {
                    continue;
                }

                if (mod.IsStrict)
                {
                    if (cls.FindExactly(rule.Match, rule.Priority, version)?.Payload is { } exact && Passes(exact, mod))
                    {
                        found.Add(exact);
                    }
                }
                else
                {
                    found.AddRange(cls.Rules(version, rule.Match).Select(r => r.Payload).Where(e => Passes(e, mod)));
                }
            }

            return found;
        }

        private static bool Passes(FlowEntry entry, FlowMod mod)
        {
            var mask = mod.Rule.CookieMask;
            if ((entry.Rule.Cookie & mask) != (mod.Rule.Cookie & mask))
            {
                return false;
            }

            return mod.OutPort is not { } port || entry.Rule.Actions.Any(a => a is OutputAction o && o.Port == port);
        }

        public void Rollback()
        {
            for (var i = _added.Count - 1; i >= 0; i--)
            {
                tables.Remove(_added[i]);
            }

            foreach (var e in _removed)
            {
                if (!_addedSet.Contains(e))
                {
                    tables.Table(e.Rule.Table)!.RestoreVisibility(e.Handle);
                }
            }
        }

        public FlowModReport Commit(ulong published, List<FlowEntry> pendingRemoval)
        {
            var added = ImmutableArray.CreateBuilder<FlowEntry>();
            var modified = ImmutableArray.CreateBuilder<FlowEntryChange>();
            var deleted = ImmutableArray.CreateBuilder<FlowEntry>();
            var replacedOrigins = new HashSet<FlowEntry>(ReferenceEqualityComparer.Instance);
            foreach (var e in _added)
            {
                if (e.Handle.IsRemovalScheduled)
                {
                    tables.Remove(e); // added and removed in this batch: never visible
                    continue;
                }

                if (_origin.TryGetValue(e, out var old))
                {
                    modified.Add(new FlowEntryChange(old, e));
                    replacedOrigins.Add(old);
                }
                else
                {
                    added.Add(e);
                }
            }

            foreach (var e in _removed)
            {
                if (_addedSet.Contains(e))
                {
                    continue;
                }

                pendingRemoval.Add(e);
                if (!replacedOrigins.Contains(e))
                {
                    deleted.Add(e);
                }
            }

            return new FlowModReport(published, added.ToImmutable(), modified.ToImmutable(), deleted.ToImmutable());
        }
    }
}
