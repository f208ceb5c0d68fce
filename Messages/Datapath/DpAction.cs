using System.Collections;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Odp;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// A datapath action (OVS_ACTION_ATTR_*). Immutable records with value equality; nested action
/// lists compare by content. <see cref="object.ToString"/> renders the ODP text
/// (dpctl/dump-flows syntax).
/// </summary>
public abstract record DpAction
{
    /// <summary>The netlink action type.</summary>
    public abstract OvsActionAttr Kind { get; }

    /// <summary>ODP text of the action.</summary>
    public sealed override string ToString() => OdpFormatter.FormatAction(this);
}

/// <summary>OUTPUT: send to a datapath port.</summary>
/// <param name="Port">Datapath port number.</param>
public sealed record OutputAction(uint Port) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Output;
}

/// <summary>
/// USERSPACE: send the packet to userspace as an ACTION upcall.
/// </summary>
/// <param name="Pid">Netlink PID of the handler socket (0xFFFFFFFF = kernel chooses, per-CPU dispatch).</param>
/// <param name="Userdata">USERDATA bytes (normally a 48-byte <see cref="UserActionCookie"/>), or null when absent.</param>
/// <param name="IncludeActions">ACTIONS flag: include the flow's actions in the upcall.</param>
/// <param name="EgressTunPort">EGRESS_TUN_PORT, or null.</param>
public sealed record UserspaceAction(uint Pid, ByteBlob? Userdata = null, bool IncludeActions = false, uint? EgressTunPort = null) : DpAction
{
    /// <summary>PID value meaning "the kernel chooses" (per-CPU upcall dispatch).</summary>
    public const uint PidAny = 0xFFFFFFFF;

    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Userspace;

    /// <summary>Creates a userspace action carrying an encoded cookie.</summary>
    public static UserspaceAction WithCookie(uint pid, UserActionCookie cookie, bool includeActions = false, uint? egressTunPort = null)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        return new UserspaceAction(pid, ByteBlob.FromOwned(cookie.ToBytes()), includeActions, egressTunPort);
    }

    /// <summary>The decoded cookie, or null when the userdata is absent or not a valid cookie.</summary>
    public UserActionCookie? Cookie => Userdata is { } u && UserActionCookie.TryDecode(u.Span, out var c) ? c : null;
}

/// <summary>
/// SET: replace a header with new values. The key attribute decides which <see cref="FlowKey"/>
/// fields are written (e.g. IPV4 → nw_src, nw_dst, nw_proto, nw_tos, nw_ttl, nw_frag); the
/// constructor clears every other field so equality only sees the written ones.
/// </summary>
public sealed record SetAction : DpAction
{
    /// <summary>Creates a full-header set.</summary>
    public SetAction(OvsKeyAttr attr, in FlowKey value)
    {
        if (!KeyAttrs.IsSettable(attr))
        {
            throw new ArgumentOutOfRangeException(nameof(attr), attr, "not a settable header attribute");
        }

        Attr = attr;
        Value = value.Masked(KeyAttrs.FieldsOf(attr));
    }

    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Set;

    /// <summary>The key attribute (header) written.</summary>
    public OvsKeyAttr Attr { get; }

    /// <summary>The values; fields outside <see cref="Attr"/> are zero.</summary>
    public FlowKey Value { get; }
}

/// <summary>
/// SET_MASKED: write only the masked bits of a header. The mask is restricted to the attribute's
/// fields and the value to the mask (unmasked value bits are zero, as the datapath requires).
/// </summary>
public sealed record SetMaskedAction : DpAction
{
    /// <summary>Creates a masked set.</summary>
    public SetMaskedAction(OvsKeyAttr attr, in FlowKey value, in FlowMask mask)
    {
        if (!KeyAttrs.IsSettable(attr))
        {
            throw new ArgumentOutOfRangeException(nameof(attr), attr, "not a settable header attribute");
        }

        Attr = attr;
        Mask = mask & KeyAttrs.FieldsOf(attr);
        Value = value.Masked(Mask);
    }

    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.SetMasked;

    /// <summary>The key attribute (header) written.</summary>
    public OvsKeyAttr Attr { get; }

    /// <summary>The values of the written bits.</summary>
    public FlowKey Value { get; }

    /// <summary>The bits written.</summary>
    public FlowMask Mask { get; }
}

/// <summary>PUSH_VLAN: push an 802.1Q header.</summary>
/// <param name="Tpid">TPID (0x8100 or 0x88a8).</param>
/// <param name="Tci">TCI; CFI (0x1000) must be set.</param>
public sealed record PushVlanAction(ushort Tpid, ushort Tci) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.PushVlan;

    /// <summary>VLAN id (12 bits).</summary>
    public int Vid => Tci & 0xfff;

    /// <summary>Priority code point (3 bits).</summary>
    public int Pcp => Tci >> 13;
}

/// <summary>POP_VLAN.</summary>
public sealed record PopVlanAction : DpAction
{
    /// <summary>The action (no arguments).</summary>
    public static readonly PopVlanAction Instance = new();

    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.PopVlan;
}

/// <summary>SAMPLE: run actions on a copy with a probability.</summary>
/// <param name="Probability">0 = never, 0xFFFFFFFF = always, else p/2^32.</param>
/// <param name="Actions">Actions run on the copy.</param>
public sealed record SampleAction(uint Probability, DpActions Actions) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Sample;
}

/// <summary>CLONE: run actions on a copy.</summary>
/// <param name="Actions">Actions run on the copy.</param>
public sealed record CloneAction(DpActions Actions) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Clone;
}

/// <summary>RECIRC: recirculate with a new recirc_id.</summary>
/// <param name="Id">Recirculation id.</param>
public sealed record RecircAction(uint Id) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Recirc;
}

/// <summary>HASH: compute dp_hash.</summary>
/// <param name="Algorithm">0 = L4, 1 = symmetric L4.</param>
/// <param name="Basis">Hash basis.</param>
public sealed record HashAction(uint Algorithm, uint Basis) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Hash;
}

/// <summary>TRUNC: truncate the packet for the following outputs.</summary>
/// <param name="MaxLen">Maximum length.</param>
public sealed record TruncAction(uint MaxLen) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Trunc;
}

/// <summary>METER: apply a meter.</summary>
/// <param name="MeterId">Meter id.</param>
public sealed record MeterAction(uint MeterId) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Meter;
}

/// <summary>CT_CLEAR.</summary>
public sealed record CtClearAction : DpAction
{
    /// <summary>The action (no arguments).</summary>
    public static readonly CtClearAction Instance = new();

    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.CtClear;
}

/// <summary>DROP: explicit drop with an xlate error code as reason (0 = no error).</summary>
/// <param name="Reason">xlate error code.</param>
public sealed record DropAction(uint Reason) : DpAction
{
    /// <inheritdoc/>
    public override OvsActionAttr Kind => OvsActionAttr.Drop;
}

/// <summary>
/// An immutable list of datapath actions with value equality (content comparison). The empty
/// list means drop.
/// </summary>
public sealed class DpActions : IReadOnlyList<DpAction>, IEquatable<DpActions>
{
    private readonly DpAction[] _items;

    /// <summary>Creates a list (copied).</summary>
    public DpActions(IEnumerable<DpAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        _items = [.. actions];
        foreach (var a in _items)
        {
            ArgumentNullException.ThrowIfNull(a, nameof(actions));
        }
    }

    private DpActions(DpAction[] owned, bool _) => _items = owned;

    /// <summary>The empty list (drop).</summary>
    public static DpActions Empty { get; } = new([], true);

    /// <summary>Creates a list.</summary>
    public static DpActions Of(params DpAction[] actions) => new(actions);

    /// <summary>True when empty: the packet is dropped.</summary>
    public bool IsDrop => _items.Length == 0;

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public DpAction this[int index] => _items[index];

    /// <inheritdoc/>
    public IEnumerator<DpAction> GetEnumerator() => ((IEnumerable<DpAction>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(DpActions? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DpActions);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = default(HashCode);
        foreach (var a in _items)
        {
            h.Add(a);
        }

        return h.ToHashCode();
    }

    /// <summary>Content equality.</summary>
    public static bool operator ==(DpActions? left, DpActions? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Content inequality.</summary>
    public static bool operator !=(DpActions? left, DpActions? right) => !(left == right);

    /// <summary>ODP text: comma-separated actions, or <c>drop</c> when empty.</summary>
    public override string ToString() => OdpFormatter.FormatActions(this);
}

/// <summary>
/// A datapath flow as a dump reports it: match (key and mask), actions, statistics, UFID.
/// </summary>
/// <param name="Match">The flow's key and mask.</param>
/// <param name="Actions">The flow's actions.</param>
/// <param name="Stats">Statistics.</param>
/// <param name="Ufid">UFID, when the flow has one.</param>
/// <param name="Terse">The dump omitted key, mask and actions (then <see cref="Match"/> is the catch-all and <see cref="Actions"/> empty).</param>
public sealed record DatapathFlow(Match Match, DpActions Actions, FlowStats Stats, Ufid? Ufid = null, bool Terse = false);
