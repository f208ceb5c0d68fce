using System.Globalization;
using System.Text;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Messages.Ofctl;

/// <summary>
/// Formats rules the way <c>ovs-ofctl dump-flows --no-stats</c> prints them (OVS 3.1):
/// <c>cookie=0x5, table=1, idle_timeout=10, hard_timeout=20, priority=16,tcp,in_port=1,nw_dst=10.1.0.0/16 actions=output:3</c>
/// (cookie, table and timeouts only when non-zero, priority only when not 32768). The text parses
/// back to an equal rule with <see cref="OfctlFlowParser.ParseFlow"/>.
/// </summary>
public static class OfctlFlowFormatter
{
    /// <summary>Formats a whole rule.</summary>
    public static string Format(OpenFlowRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var sb = new StringBuilder(128);
        if (rule.Cookie != 0 || rule.CookieMask != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"cookie=0x{rule.Cookie:x}");
            if (rule.CookieMask != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"/0x{rule.CookieMask:x}");
            }

            sb.Append(", ");
        }

        if (rule.Table != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"table={rule.Table}, ");
        }

        if (rule.IdleTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"idle_timeout={rule.IdleTimeout}, ");
        }

        if (rule.HardTimeout != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"hard_timeout={rule.HardTimeout}, ");
        }

        MatchText.Append(sb, rule.Match, rule.Priority, megaflow: false);
        if (sb.Length > 0 && sb[^1] != ' ')
        {
            sb.Append(' ');
        }

        sb.Append("actions=");
        AppendActions(sb, rule.Actions);
        return sb.ToString();
    }

    /// <summary>Formats a match (with <c>priority=</c> first when not the default), as in a dump.</summary>
    public static string FormatMatch(in Match match, ushort priority = OpenFlowRule.DefaultPriority)
    {
        var sb = new StringBuilder(96);
        MatchText.Append(sb, match, priority, megaflow: false);
        return sb.ToString();
    }

    /// <summary>Formats an action list (<c>drop</c> when empty).</summary>
    public static string FormatActions(OfActionList actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var sb = new StringBuilder(64);
        AppendActions(sb, actions);
        return sb.ToString();
    }

    /// <summary>Formats one action as ovs-ofctl prints it.</summary>
    public static string FormatAction(OfAction action) => action switch
    {
        OutputAction o => o.Port < OfPorts.Max ? $"output:{o.Port}"
            : o.Port is OfPorts.Controller or OfPorts.None ? $"output:{OfPorts.Format(o.Port)}"
            : OfPorts.Format(o.Port),
        ControllerAction c => $"CONTROLLER:{c.MaxLen}",
        GotoTableAction g => $"goto_table:{g.Table}",
        ResubmitAction { Port: ushort p, Table: null } => $"resubmit:{OfPorts.Format(p)}",
        ResubmitAction r => $"resubmit({(r.Port is ushort rp ? OfPorts.Format(rp) : "")},{r.Table?.ToString(CultureInfo.InvariantCulture)})",
        SetFieldAction s => $"set_field:{FieldValueText(s.Field, s.Value, s.Mask)}->{s.Field.Name}",
        ModAction m => m.Field switch
        {
            ModField.DlSrc => "mod_dl_src:" + OfctlValues.FormatMac(m.Value),
            ModField.DlDst => "mod_dl_dst:" + OfctlValues.FormatMac(m.Value),
            ModField.NwSrc => "mod_nw_src:" + OfctlValues.FormatIpv4((uint)m.Value),
            ModField.NwDst => "mod_nw_dst:" + OfctlValues.FormatIpv4((uint)m.Value),
            ModField.NwTos => $"mod_nw_tos:{m.Value}",
            ModField.TpSrc => $"mod_tp_src:{m.Value}",
            ModField.TpDst => $"mod_tp_dst:{m.Value}",
            ModField.VlanVid => $"mod_vlan_vid:{m.Value}",
            ModField.VlanPcp => $"mod_vlan_pcp:{m.Value}",
            _ => throw new ArgumentOutOfRangeException(nameof(action), m.Field, "unknown mod_* field"),
        },
        PopVlanAction => "strip_vlan",
        PushVlanAction p => $"push_vlan:0x{p.Tpid:x4}",
        DecTtlAction => "dec_ttl",
        LoadAction l => $"load:{OfctlValues.HashHex(l.Value)}->{l.Destination}",
        MoveAction mv => $"move:{mv.Source}->{mv.Destination}",
        SampleAction s => $"sample(probability={s.Probability},collector_set_id={s.CollectorSetId},obs_domain_id={s.ObsDomainId},obs_point_id={s.ObsPointId}"
            + (s.SamplingPort is { } sp ? $",sampling_port={OfPorts.Format(sp)}" : "")
            + s.Direction switch { FlowSampleDirection.Ingress => ",ingress", FlowSampleDirection.Egress => ",egress", _ => "" } + ")",
        null => throw new ArgumentNullException(nameof(action)),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action.GetType().Name, "unknown action"),
    };

    /// <summary>A value (and optional mask) of a field as set_field writes it.</summary>
    public static string FieldValueText(OfField field, UInt128 value, UInt128? mask)
    {
        ArgumentNullException.ThrowIfNull(field);
        var m = mask ?? field.AllOnes;
        return field.Format switch
        {
            OfFieldFormat.Mac => mask is null ? OfctlValues.FormatMac((ulong)value) : $"{OfctlValues.FormatMac((ulong)value)}/{OfctlValues.FormatMac((ulong)m)}",
            OfFieldFormat.Ipv4 => MatchText.Ipv4Text((uint)value, (uint)m),
            OfFieldFormat.Ipv6 => MatchText.Ipv6Text(value, m),
            OfFieldFormat.Port when mask is null => OfPorts.Format((uint)value),
            OfFieldFormat.Dec when mask is null => OfctlValues.Dec(value),
            _ => mask is null ? OfctlValues.Hex(value) : $"{OfctlValues.Hex(value)}/{OfctlValues.Hex(m)}",
        };
    }

    private static void AppendActions(StringBuilder sb, OfActionList actions)
    {
        if (actions.Count == 0)
        {
            sb.Append("drop");
            return;
        }

        for (var i = 0; i < actions.Count; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append(FormatAction(actions[i]));
        }
    }
}
