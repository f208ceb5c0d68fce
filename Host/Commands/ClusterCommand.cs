using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Placement;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm cluster status [--etcd URL]`: the members (name, address, incarnation start) and each
/// bridge's owner, fencing token (the claim's create revision), rule count and the owner's last
/// published counters, read from etcd. Exit code 1 when etcd cannot be reached.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var etcd = new Option<string?>("--etcd") { Description = "etcd client URL (default http://127.0.0.1:2379)" };
        var status = new Command("status", "Members, bridge owners and fencing tokens, from etcd") { etcd };
        status.SetAction(async (pr, ct) =>
        {
            var (store, error) = ClusterConnection.Open(pr.GetValue(etcd));
            if (store is null)
            {
                await Console.Error.WriteLineAsync($"vswarm cluster status: {error}");
                return 2;
            }

            using var _ = store;
            try
            {
                var all = await store.RangeAsync(ClusterKeys.Root, prefix: true, ct);
                Render(all);
                return 0;
            }
            catch (StoreUnavailableException e)
            {
                await Console.Error.WriteLineAsync($"vswarm cluster status: etcd at {store.Endpoint} is not reachable: {e.Message}");
                return 1;
            }
        });
        return new Command("cluster", "The cluster as etcd records it") { status };
    }

    private static void Render(StoreRange all)
    {
        var members = new Table().Title("members").AddColumns("node", "address", "started", "lease");
        foreach (var kv in all.Kvs.Where(k => k.Key.StartsWith(ClusterKeys.Members, StringComparison.Ordinal)))
        {
            var m = MemberInfo.TryParse(kv.Value);
            members.AddRow(
                Markup.Escape(kv.Key[ClusterKeys.Members.Length..]),
                Markup.Escape(m?.Address ?? "?"),
                m?.Started.ToString("u", CultureInfo.InvariantCulture) ?? "?",
                kv.Lease.ToString("x", CultureInfo.InvariantCulture));
        }

        var statuses = all.Kvs.Where(k => k.Key.StartsWith(ClusterKeys.Status, StringComparison.Ordinal))
            .Select(k => BridgeStatusRecord.TryParse(k.Value)).OfType<BridgeStatusRecord>().ToList();
        var bridges = new Table().Title("bridges").AddColumns("bridge", "owner", "token", "rules", "packets", "megaflows", "patch rx");
        var byBridge = all.Kvs.Where(k => ClusterKeys.TryParseBridgeKey(k.Key, out _, out _))
            .GroupBy(k => ClusterKeys.TryParseBridgeKey(k.Key, out var b, out _) ? b : string.Empty)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var g in byBridge)
        {
            var owner = g.FirstOrDefault(k => k.Key.EndsWith("/owner", StringComparison.Ordinal));
            var flows = g.FirstOrDefault(k => k.Key.EndsWith("/flows", StringComparison.Ordinal));
            var record = owner is null ? null : OwnerRecord.TryParse(owner.Value);
            var st = record is null ? null : statuses.FirstOrDefault(s => s.Bridge == g.Key && s.Node == record.Node && s.Token == owner!.CreateRevision);
            bridges.AddRow(
                Markup.Escape(g.Key),
                record is null ? "[red](none)[/]" : Markup.Escape(record.Node),
                owner?.CreateRevision.ToString(CultureInfo.InvariantCulture) ?? "-",
                (flows is null ? 0 : flows.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).ToString(CultureInfo.InvariantCulture),
                st?.Packets.ToString(CultureInfo.InvariantCulture) ?? "-",
                st?.Flows.ToString(CultureInfo.InvariantCulture) ?? "-",
                st?.PatchRx.ToString(CultureInfo.InvariantCulture) ?? "-");
        }

        AnsiConsole.Write(members);
        AnsiConsole.Write(bridges);
        AnsiConsole.MarkupLine($"etcd revision {all.Revision}");
    }
}
