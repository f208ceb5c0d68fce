using System.CommandLine;
using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Messages.Ofctl;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm ofctl [--etcd URL] add-flow|add-flows|mod-flows|del-flows|dump-flows BRIDGE ...`, like
/// ovs-ofctl but through etcd: the flow-mod is checked against the committed rules with the
/// bridge's own semantics and committed to <c>/vswarm/bridges/&lt;br&gt;/flows</c>; the owner
/// applies it when its watch sees it (and a new owner restores it). dump-flows prints the
/// committed rules (no counters: those live on the owner; see `vswarm cluster status`).
/// Exit codes: 0 ok, 1 etcd unreachable, 2 bad input (flow syntax, unknown bridge, refused batch).
/// </summary>
internal static class OfctlCommand
{
    public static Command Create()
    {
        var etcd = new Option<string?>("--etcd") { Description = "etcd client URL (default http://127.0.0.1:2379)", Recursive = true };
        var root = new Command("ofctl", "ovs-ofctl flow commands on a cluster bridge, committed to etcd") { etcd };

        root.Subcommands.Add(FlowCommand("add-flow", "Add one flow", etcd, FlowModCommand.Add, file: false));
        root.Subcommands.Add(FlowCommand("add-flows", "Add the flows of FILE ('-' = stdin), one per line", etcd, FlowModCommand.Add, file: true));
        root.Subcommands.Add(FlowCommand("mod-flows", "Modify the actions of matching flows", etcd, FlowModCommand.Modify, file: false));
        root.Subcommands.Add(FlowCommand("del-flows", "Delete matching flows (no FLOW: all)", etcd, FlowModCommand.Delete, file: false, optional: true));

        var bridge = new Argument<string>("BRIDGE");
        var dump = new Command("dump-flows", "Print the committed flows") { bridge };
        dump.SetAction(async (pr, ct) => await WithStore(pr.GetValue(etcd), "dump-flows", async store =>
        {
            var durable = new DurableBridgeStore(store);
            var name = pr.GetValue(bridge)!;
            if (await durable.GetConfigAsync(name, ct) is null)
            {
                await Console.Error.WriteLineAsync($"vswarm ofctl: bridge '{name}' is not defined in etcd");
                return 2;
            }

            var (text, _) = await durable.GetFlowsAsync(name, ct);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Console.Out.WriteLine(" " + line);
            }

            return 0;
        }));
        root.Subcommands.Add(dump);
        return root;
    }

    private static Command FlowCommand(string name, string description, Option<string?> etcd, FlowModCommand command, bool file, bool optional = false)
    {
        var bridge = new Argument<string>("BRIDGE");
        var flow = new Argument<string?>(file ? "FILE" : "FLOW") { Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne };
        var strict = new Option<bool>("--strict") { Description = "exact match and priority (mod-flows, del-flows)" };
        var cmd = new Command(name, description) { bridge, flow };
        if (command != FlowModCommand.Add)
        {
            cmd.Options.Add(strict);
        }

        cmd.SetAction(async (pr, ct) =>
        {
            IReadOnlyList<FlowMod> mods;
            try
            {
                var text = pr.GetValue(flow) ?? string.Empty;
                var isStrict = pr.GetValue(strict);
                mods = file
                    ? FlowModText.ParseAddFlows(text == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(text, ct), text)
                    : [FlowModText.Parse(
                        command switch
                        {
                            FlowModCommand.Modify when isStrict => FlowModCommand.ModifyStrict,
                            FlowModCommand.Delete when isStrict => FlowModCommand.DeleteStrict,
                            _ => command,
                        },
                        text)];
            }
            catch (Exception e) when (e is OfctlParseException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"vswarm ofctl {name}: {e.Message}");
                return 2;
            }

            return await WithStore(pr.GetValue(etcd), name, async store =>
            {
                var result = await new DurableBridgeStore(store).CommitAsync(pr.GetValue(bridge)!, mods, ct);
                if (!result.Committed)
                {
                    await Console.Error.WriteLineAsync($"vswarm ofctl {name}: {result.Error}");
                    return 2;
                }

                return 0;
            });
        });
        return cmd;
    }

    private static async Task<int> WithStore(string? url, string what, Func<ICoordinationStore, Task<int>> run)
    {
        var (store, error) = ClusterConnection.Open(url);
        if (store is null)
        {
            await Console.Error.WriteLineAsync($"vswarm ofctl {what}: {error}");
            return 2;
        }

        using var _ = store;
        try
        {
            return await run(store);
        }
        catch (StoreUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"vswarm ofctl {what}: etcd at {store.Endpoint} is not reachable: {e.Message}");
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"vswarm ofctl {what}: {e.Message}");
            return 2;
        }
    }
}
