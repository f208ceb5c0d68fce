using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// The fields a classifier may keep prefix tries on (OVS's Flow_Table:prefixes): 32-bit aligned
/// fields whose width is a multiple of 32 bits and that are matched by CIDR prefix. Each has a
/// prerequisite on dl_type that a flow must satisfy for the trie to be consulted.
/// </summary>
public static class PrefixFields
{
    /// <summary>OVS's limit on the number of prefix tries per classifier (CLS_MAX_TRIES).</summary>
    public const int MaxTries = 4;

    /// <summary>
    /// The default: nw_dst, nw_src, as in OVS 3.1 (OVS 3.5 added ipv6_dst and ipv6_src to the
    /// default; pass <see cref="Ipv4AndIpv6"/> to get that).
    /// </summary>
    public static IReadOnlyList<FlowField> Default { get; } = [FlowFields.NwDst, FlowFields.NwSrc];

    /// <summary>nw_dst, nw_src, ipv6_dst, ipv6_src (OVS 3.5's default).</summary>
    public static IReadOnlyList<FlowField> Ipv4AndIpv6 { get; } =
        [FlowFields.NwDst, FlowFields.NwSrc, FlowFields.Ipv6Dst, FlowFields.Ipv6Src];

    /// <summary>No prefix tries ("none").</summary>
    public static IReadOnlyList<FlowField> None { get; } = [];

    /// <summary>
    /// The Ethertype a flow must have for a trie on <paramref name="field"/> to apply (OVS:
    /// mf_are_prereqs_ok — IPv4 for nw_src/nw_dst, IPv6 for ipv6_src/ipv6_dst); null when the
    /// field cannot carry a prefix trie.
    /// </summary>
    public static ushort? Prerequisite(FlowField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Name switch
        {
            "nw_src" or "nw_dst" => 0x0800,
            "ipv6_src" or "ipv6_dst" => 0x86DD,
            _ => null,
        };
    }

    /// <summary>Checks a trie configuration: supported fields, no duplicates, at most <see cref="MaxTries"/>.</summary>
    public static void Validate(IReadOnlyList<FlowField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count > MaxTries)
        {
            throw new ArgumentException($"at most {MaxTries} prefix fields are allowed", nameof(fields));
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (Prerequisite(fields[i]) is null)
            {
                throw new ArgumentException($"{fields[i].Name} cannot be used as a prefix field", nameof(fields));
            }

            for (var j = 0; j < i; j++)
            {
                if (fields[j] == fields[i])
                {
                    throw new ArgumentException($"duplicate prefix field {fields[i].Name}", nameof(fields));
                }
            }
        }
    }

    /// <summary>
    /// Parses OVS's Flow_Table:prefixes syntax: "none" or a comma-separated list of field names
    /// (nw_src/ip_src, nw_dst/ip_dst, ipv6_src, ipv6_dst).
    /// </summary>
    public static IReadOnlyList<FlowField> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length == 0 || t == "none")
        {
            return None;
        }

        var list = new List<FlowField>();
        foreach (var part in t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = part switch { "ip_src" => "nw_src", "ip_dst" => "nw_dst", _ => part };
            list.Add(FlowFields.Find(name) ?? throw new ArgumentException($"unknown field {part}", nameof(text)));
        }

        Validate(list);
        return list;
    }
}
