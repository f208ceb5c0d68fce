using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace VSwarm.Messages.OpenFlow;

/// <summary>OpenFlow port numbers with names (OpenFlow 1.0 numbering, as OVS's ofp_port_t).</summary>
public static class OfPorts
{
    /// <summary>Highest physical port + 1 (OFPP_MAX).</summary>
    public const ushort Max = 0xff00;

    /// <summary>OFPP_IN_PORT: send back out the input port.</summary>
    public const ushort InPort = 0xfff8;

    /// <summary>OFPP_TABLE.</summary>
    public const ushort Table = 0xfff9;

    /// <summary>OFPP_NORMAL: the switch's L2 learning pipeline.</summary>
    public const ushort Normal = 0xfffa;

    /// <summary>OFPP_FLOOD.</summary>
    public const ushort Flood = 0xfffb;

    /// <summary>OFPP_ALL.</summary>
    public const ushort All = 0xfffc;

    /// <summary>OFPP_CONTROLLER.</summary>
    public const ushort Controller = 0xfffd;

    /// <summary>OFPP_LOCAL: the bridge's internal port.</summary>
    public const ushort Local = 0xfffe;

    /// <summary>OFPP_NONE (also spelled ANY).</summary>
    public const ushort None = 0xffff;

    private static readonly string[] Names = ["IN_PORT", "TABLE", "NORMAL", "FLOOD", "ALL", "CONTROLLER", "LOCAL", "NONE"];

    /// <summary>The OVS name of a reserved port (IN_PORT…NONE), or null for a numbered one.</summary>
    public static string? NameOf(uint port) => port is >= InPort and <= None ? Names[port - InPort] : null;

    /// <summary>Port text as OVS prints it: a reserved name or the decimal number.</summary>
    public static string Format(uint port) => NameOf(port) ?? port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Looks up a reserved port name (case-insensitive, ANY = NONE).</summary>
    public static ushort? FromName(string name)
    {
        if (string.Equals(name, "ANY", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }

        var i = Array.FindIndex(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return i < 0 ? null : (ushort)(InPort + i);
    }
}

/// <summary>
/// One OpenFlow action. Records compare by value. OVS's <c>in_port</c>, <c>normal</c>,
/// <c>flood</c>, <c>all</c>, <c>local</c> actions are, as in OVS, outputs to reserved ports
/// (<see cref="OutputAction"/> with an <see cref="OfPorts"/> number): use the static helpers below.
/// An empty action list means drop.
/// </summary>
public abstract record OfAction
{
    /// <summary><c>in_port</c>: output to the input port.</summary>
    public static OutputAction InPort { get; } = new(OfPorts.InPort);

    /// <summary><c>normal</c>.</summary>
    public static OutputAction Normal { get; } = new(OfPorts.Normal);

    /// <summary><c>flood</c>.</summary>
    public static OutputAction Flood { get; } = new(OfPorts.Flood);

    /// <summary><c>all</c>.</summary>
    public static OutputAction All { get; } = new(OfPorts.All);

    /// <summary><c>local</c>.</summary>
    public static OutputAction Local { get; } = new(OfPorts.Local);
}

/// <summary><c>output:PORT</c> (or bare <c>PORT</c>, or a reserved port's name).</summary>
/// <param name="Port">OpenFlow port (0..0xffff; reserved ports in <see cref="OfPorts"/>).</param>
public sealed record OutputAction(ushort Port) : OfAction;

/// <summary><c>controller[:max_len]</c>: send the packet to the controller (OFPACT_CONTROLLER).</summary>
/// <param name="MaxLen">Bytes of the packet to send.</param>
public sealed record ControllerAction(ushort MaxLen = 65535) : OfAction;

/// <summary><c>goto_table:N</c> (OpenFlow 1.1+ instruction).</summary>
public sealed record GotoTableAction(byte Table) : OfAction;

/// <summary>
/// <c>resubmit:PORT</c>, <c>resubmit(PORT,TABLE)</c>, <c>resubmit(,TABLE)</c>. A null
/// port means the packet's in_port (OVS's default, also written <c>in_port</c>); a null table
/// means the current table.
/// </summary>
public sealed record ResubmitAction(ushort? Port, byte? Table) : OfAction;

/// <summary>
/// <c>set_field:VALUE[/MASK]->FIELD</c>. A null mask sets the whole field. The value and mask are
/// of the field's width (not shifted into its storage).
/// </summary>
public sealed record SetFieldAction(OfField Field, UInt128 Value, UInt128? Mask = null) : OfAction;

/// <summary>The OpenFlow 1.0 "mod_*" set actions, each its own OpenFlow action in OVS.</summary>
public enum ModField
{
    /// <summary>mod_dl_src (48-bit MAC).</summary>
    DlSrc,

    /// <summary>mod_dl_dst.</summary>
    DlDst,

    /// <summary>mod_nw_src (IPv4).</summary>
    NwSrc,

    /// <summary>mod_nw_dst.</summary>
    NwDst,

    /// <summary>mod_nw_tos (DSCP bits of the TOS byte, low two bits zero).</summary>
    NwTos,

    /// <summary>mod_tp_src.</summary>
    TpSrc,

    /// <summary>mod_tp_dst.</summary>
    TpDst,

    /// <summary>mod_vlan_vid (0..4095; pushes a tag when none is present).</summary>
    VlanVid,

    /// <summary>mod_vlan_pcp (0..7).</summary>
    VlanPcp,
}

/// <summary>
/// <c>mod_dl_src:…</c>, <c>mod_nw_dst:…</c>, <c>mod_tp_dst:…</c>, <c>mod_vlan_vid:…</c>…: kept as
/// their own action (not folded into <see cref="SetFieldAction"/>) because OVS keeps them as
/// distinct OpenFlow 1.0 actions and prints them back as <c>mod_*</c>.
/// </summary>
/// <param name="Field">Which mod_* action.</param>
/// <param name="Value">The new value (MAC and IPv4 as host-order integers).</param>
public sealed record ModAction(ModField Field, ulong Value) : OfAction;

/// <summary><c>strip_vlan</c> / <c>pop_vlan</c> (the same action in OVS; printed <c>strip_vlan</c> as ovs-ofctl's default OpenFlow 1.0 does).</summary>
public sealed record PopVlanAction : OfAction;

/// <summary><c>push_vlan:TPID</c> (0x8100 or 0x88a8).</summary>
public sealed record PushVlanAction(ushort Tpid = 0x8100) : OfAction;

/// <summary><c>dec_ttl</c>.</summary>
public sealed record DecTtlAction : OfAction;

/// <summary>
/// A subfield <c>FIELD[start..end]</c> (bit offsets inclusive, 0 = least significant bit), as
/// NXM's load/move address bits of a field.
/// </summary>
/// <param name="Field">The field.</param>
/// <param name="Offset">Lowest bit.</param>
/// <param name="Bits">Number of bits (≥ 1).</param>
public sealed record FieldSlice(OfField Field, int Offset, int Bits)
{
    /// <summary>The whole field (<c>FIELD[]</c>).</summary>
    public static FieldSlice Whole(OfField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new(field, 0, field.Bits);
    }

    /// <summary>True when the slice covers the whole field.</summary>
    public bool IsWhole => Offset == 0 && Bits == Field.Bits;

    /// <summary>OVS's mf_format_subfield text: <c>NXM_NX_REG0[]</c>, <c>NXM_NX_REG0[5]</c>, <c>NXM_NX_REG0[0..15]</c>.</summary>
    public override string ToString() =>
        IsWhole ? $"{Field.SubfieldName}[]"
        : Bits == 1 ? FormattableString.Invariant($"{Field.SubfieldName}[{Offset}]")
        : FormattableString.Invariant($"{Field.SubfieldName}[{Offset}..{Offset + Bits - 1}]");
}

/// <summary><c>load:VALUE->DST[bits]</c> (NXM reg_load).</summary>
public sealed record LoadAction(UInt128 Value, FieldSlice Destination) : OfAction;

/// <summary><c>move:SRC[bits]->DST[bits]</c> (NXM reg_move); both slices have the same width.</summary>
public sealed record MoveAction(FieldSlice Source, FieldSlice Destination) : OfAction;

/// <summary>
/// <c>sample(probability=P,collector_set_id=C,obs_domain_id=D,obs_point_id=O[,sampling_port=N][,ingress|egress])</c>:
/// per-flow sampling (IPFIX), probability P/65535. <paramref name="SamplingPort"/> names the port the
/// sample is taken for (OVS: an output port other than in_port makes it an egress sample with that
/// port in the cookie); <paramref name="Direction"/> is OVS's nx_action_sample2 direction.
/// </summary>
public sealed record SampleAction(ushort Probability, uint CollectorSetId = 0, uint ObsDomainId = 0, uint ObsPointId = 0,
    ushort? SamplingPort = null, VSwarm.Messages.Cookies.FlowSampleDirection Direction = VSwarm.Messages.Cookies.FlowSampleDirection.Default) : OfAction;

/// <summary>
/// An immutable list of actions with value equality (element by element), so that rule records
/// compare by content. Empty = drop.
/// </summary>
[CollectionBuilder(typeof(OfActionList), nameof(Create))]
public sealed class OfActionList : IReadOnlyList<OfAction>, IEquatable<OfActionList>
{
    private readonly ImmutableArray<OfAction> _items;

    private OfActionList(ImmutableArray<OfAction> items) => _items = items;

    /// <summary>The empty list (drop).</summary>
    public static OfActionList Empty { get; } = new(ImmutableArray<OfAction>.Empty);

    /// <summary>Builds a list (also the collection-expression builder).</summary>
    public static OfActionList Create(ReadOnlySpan<OfAction> items) => items.IsEmpty ? Empty : new([.. items]);

    /// <summary>Builds a list from a sequence.</summary>
    public static OfActionList From(IEnumerable<OfAction> items) => Create([.. items]);

    /// <summary>The actions.</summary>
    public ImmutableArray<OfAction> Items => _items;

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public OfAction this[int index] => _items[index];

    /// <inheritdoc/>
    public bool Equals(OfActionList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is OfActionList l && Equals(l);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var a in _items)
        {
            h.Add(a);
        }

        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public IEnumerator<OfAction> GetEnumerator() => ((IEnumerable<OfAction>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => _items.IsEmpty ? "drop" : string.Join(",", _items);
}
