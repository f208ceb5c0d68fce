using System.Globalization;
using System.Text;
using VSwarm.Actors.Config;
using VSwarm.Actors.Traffic;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Host.Simulation;

/// <summary>
/// The demo <c>vswarm simulate</c> runs without <c>--scenario</c>: a small fabric of three
/// bridges in a line, <c>br0 —(port 10)— br1 —(port 11)— br2</c>, joined by patch links.
/// <para>
/// Addressing: hosts behind br0 are 10.0.0.0/16 (port 1: 10.0.0.0/17, port 2: 10.0.128.0/17),
/// behind br1 10.1.0.0/16 (port 1), behind br2 10.2.0.0/16 (port 1: 10.2.0.0/17, port 2:
/// 10.2.128.0/17). Nothing owns 10.3.0.0/16: traffic to it is dropped by br1.
/// </para>
/// <para>
/// Rules (generated from a fixed seed, the same on every run; <see cref="FlowText"/>):
/// table 0 is an ACL of <see cref="AclRules"/> rules shared by all bridges — deny rules
/// (priorities 2000–2999, about a quarter of them) and allow rules (1000–1999), each matching a
/// source prefix (/12–/24 inside 10.0.0.0/14), optionally a destination prefix, TCP or UDP, and a
/// destination port range written as a masked match (e.g. <c>tp_dst=0x400/0xfc00</c> is 1024–2047);
/// allow rules <c>goto_table:1</c>, deny rules drop; then <c>priority=1,ip,actions=goto_table:1</c>
/// (anything else is allowed) and <c>priority=0,actions=drop</c>. Table 1 forwards by destination
/// prefix, longest prefix first: the local /17s or /16 to host ports, the other bridges' /16s to
/// the patch ports, plus about 16 /24 "host routes" per bridge to the same ports (more prefixes for the
/// prefix tries), and drops the rest.
/// </para>
/// <para>
/// Traffic: 5,000 TCP/UDP flows (Zipf, exponent 1.1) enter br0 on ports 1–2 at 20,000 packets/s
/// from 10.0.0.0/16 to 10.0.0.0/14, and 2,000 flows (Zipf 1.1) enter br2 on ports 1–2 at 5,000
/// packets/s from 10.2.0.0/16 to 10.0.0.0/14, toward 16 common service ports, for 10 seconds.
/// </para>
/// </summary>
internal static class DefaultScenario
{
    /// <summary>ACL rules in table 0 (before the two defaults).</summary>
    public const int AclRules = 240;

    /// <summary>The seed of the rule generator.</summary>
    public const int RuleSeed = 20240;

    /// <summary>Destination ports the demo traffic uses.</summary>
    public static readonly IReadOnlyList<ushort> ServicePorts = [22, 25, 53, 80, 123, 443, 993, 1194, 1433, 3306, 5432, 6379, 8080, 8443, 9092, 27017];

    /// <summary>The demo scenario.</summary>
    public static Scenario Create()
    {
        var options = new VSwarmOptions
        {
            Bridges =
            [
                Bridge("br0", 100, [1, 2, 10], [(10, "br1", 10)]),
                Bridge("br1", 200, [1, 10, 11], [(10, "br0", 10), (11, "br2", 11)]),
                Bridge("br2", 300, [1, 2, 11], [(11, "br1", 11)]),
            ],
        };
        VSwarmConfiguration.Normalize(options);
        var errors = VSwarmConfiguration.Validate(options);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("the default scenario is invalid: " + string.Join("; ", errors));
        }

        var flows = new Dictionary<string, IReadOnlyList<OpenFlowRule>>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in options.Bridges)
        {
            var source = $"<default:{b.Name}>";
            flows[b.Name] = OfctlFlowParser.ParseFileOrThrow(FlowText(b.Name), source);
            sources[b.Name] = $"generated: {AclRules + 2} ACL rules (seed {RuleSeed}) + forwarding";
        }

        TrafficSource[] traffic =
        [
            new("br0-hosts", "br0", 20_000, 5_000, FlowDistribution.Zipf, 1.1,
                new FlowSetSpec([1, 2], ["tcp", "udp"], "10.0.0.0/16", "10.0.0.0/14", ServicePorts, 128), 1),
            new("br2-hosts", "br2", 5_000, 2_000, FlowDistribution.Zipf, 1.1,
                new FlowSetSpec([1, 2], ["tcp", "udp"], "10.2.0.0/16", "10.0.0.0/14", ServicePorts, 128), 2),
        ];

        return new Scenario(
            "default-fabric",
            "Three bridges br0—br1—br2 joined by patch links; a generated ACL and prefix routes on each; Zipf traffic into br0 and br2.",
            "<default>",
            Scenario.DefaultDuration,
            null,
            options,
            flows,
            sources,
            traffic);
    }

    /// <summary>The rules of one demo bridge in ovs-ofctl add-flows syntax.</summary>
    public static string FlowText(string bridge)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# {bridge}: table 0 ACL ({AclRules} generated rules, seed {RuleSeed}), table 1 forwarding by nw_dst\n");
        sb.Append(AclText());
        sb.Append("priority=1,ip,actions=goto_table:1\n");
        sb.Append("priority=0,actions=drop\n");

        // Routes: (prefix, ofport) — longest prefix wins by priority = 100 + prefix length.
        var routes = bridge switch
        {
            "br0" => new List<(string Prefix, int Port)> { ("10.0.0.0/17", 1), ("10.0.128.0/17", 2), ("10.0.0.0/8", 10) },
            "br1" => [("10.1.0.0/16", 1), ("10.0.0.0/16", 10), ("10.2.0.0/16", 11)],
            "br2" => [("10.2.0.0/17", 1), ("10.2.128.0/17", 2), ("10.0.0.0/8", 11)],
            _ => throw new ArgumentException($"'{bridge}' is not a bridge of the default scenario", nameof(bridge)),
        };

        // 16 host routes (/24) per bridge inside its own /16s, to the port of the covering route.
        var rng = new Random(RuleSeed + bridge[^1]);
        var hostRoutes = new List<(string, int)>();
        foreach (var (prefix, port) in routes.Where(r => r.Prefix.EndsWith("/17", StringComparison.Ordinal) || r.Prefix.EndsWith("/16", StringComparison.Ordinal)))
        {
            var parts = prefix.Split('/')[0].Split('.');
            var lo = int.Parse(parts[2], CultureInfo.InvariantCulture);
            var span = prefix.EndsWith("/17", StringComparison.Ordinal) ? 128 : 256;
            for (var i = 0; i < 16 / routes.Count(r => !r.Prefix.EndsWith("/8", StringComparison.Ordinal)) + 1; i++)
            {
                hostRoutes.Add(($"{parts[0]}.{parts[1]}.{lo + rng.Next(span)}.0/24", port));
            }
        }

        foreach (var (prefix, port) in routes.Concat(hostRoutes.Distinct()).OrderByDescending(r => Len(r.Item1)))
        {
            sb.Append(CultureInfo.InvariantCulture, $"table=1,priority={100 + Len(prefix)},ip,nw_dst={prefix},actions=output:{port}\n");
        }

        sb.Append("table=1,priority=0,actions=drop\n");
        return sb.ToString();
    }

    /// <summary>The generated ACL (table 0), the same for every bridge.</summary>
    public static string AclText()
    {
        var rng = new Random(RuleSeed);
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (seen.Count < AclRules)
        {
            var deny = rng.Next(4) == 0;
            var priority = deny ? 2000 + rng.Next(1000) : 1000 + rng.Next(1000);
            var proto = rng.Next(2) == 0 ? "tcp" : "udp";
            var match = new StringBuilder();
            match.Append(CultureInfo.InvariantCulture, $"{proto},nw_src={RandomPrefix(rng)}");
            if (rng.Next(3) == 0)
            {
                match.Append(CultureInfo.InvariantCulture, $",nw_dst={RandomPrefix(rng)}");
            }

            // A port range as one masked match: 2^k ports starting at a multiple of 2^k.
            var k = rng.Next(0, 11);
            var size = 1 << k;
            var basePort = rng.Next(0, 65536 >> k) << k;
            if (rng.Next(4) == 0)
            {
                // Often a range around one of the services the traffic uses.
                basePort = ServicePorts[rng.Next(ServicePorts.Count)] & ~(size - 1);
            }

            match.Append(size == 1
                ? string.Create(CultureInfo.InvariantCulture, $",tp_dst={basePort}")
                : string.Create(CultureInfo.InvariantCulture, $",tp_dst=0x{basePort:x}/0x{(~(size - 1)) & 0xffff:x}"));
            var key = match.ToString();
            if (!seen.Add(key))
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"priority={priority},{key},actions={(deny ? "drop" : "goto_table:1")}\n");
        }

        return sb.ToString();
    }

    private static string RandomPrefix(Random rng)
    {
        var len = rng.Next(12, 25);
        var addr = (10u << 24) | (uint)rng.Next(0, 1 << 18) << 6;
        var masked = len == 0 ? 0 : addr & (uint.MaxValue << (32 - len));
        return string.Create(CultureInfo.InvariantCulture, $"{masked >> 24}.{(masked >> 16) & 255}.{(masked >> 8) & 255}.{masked & 255}/{len}");
    }

    private static int Len(string prefix) => int.Parse(prefix.Split('/')[1], CultureInfo.InvariantCulture);

    private static BridgeOptions Bridge(string name, int ifBase, int[] ports, (int Ofport, string Peer, int PeerOfport)[] links) => new()
    {
        Name = name,
        Ports = [.. ports.Select(p => new PortOptions
        {
            Ofport = p,
            Ifindex = ifBase + p,
            Name = links.FirstOrDefault(l => l.Ofport == p) is { Peer: { } peer } ? $"{name}-patch-{peer}" : string.Empty,
        })],
        Links = [.. links.Select(l => new LinkOptions { Ofport = l.Ofport, PeerBridge = l.Peer, PeerOfport = l.PeerOfport })],
        Shards = 2,
        Handlers = 2,
        Revalidators = 1,
    };
}
