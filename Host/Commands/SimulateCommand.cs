using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VSwarm.Host.Simulation;

namespace VSwarm.Host.Commands;

/// <summary>Options of <c>vswarm simulate</c>.</summary>
/// <param name="ScenarioPath">Scenario file, or null for the embedded demo (<see cref="DefaultScenario"/>).</param>
/// <param name="Duration">Overrides the scenario's duration (seconds), or null.</param>
/// <param name="DumpFlows">Print each shard's megaflows (ODP syntax) at the end.</param>
/// <param name="ReportPath">Write every counter as JSON to this file, or null.</param>
/// <param name="Quiet">No live display or progress lines; only the summary.</param>
/// <param name="Live">Use the live Spectre.Console table (an interactive terminal); otherwise plain progress lines.</param>
internal sealed record SimulateOptions(string? ScenarioPath = null, double? Duration = null, bool DumpFlows = false, string? ReportPath = null, bool Quiet = false, bool Live = false, string? Sflow = null);

/// <summary>
/// <c>vswarm simulate [--scenario FILE] [--duration S] [--dump-flows] [--report FILE] [--quiet]</c>:
/// runs a scenario (or the embedded three-bridge demo) in this process — bridges built from the
/// scenario, rules loaded, traffic pumped on the real clock — showing live counters, then a
/// summary; optionally the datapath flows and a JSON report. Exit codes: 0 done, 1 the run
/// failed, 2 bad scenario or option, 130 stopped by Ctrl+C (summary and report still written).
/// </summary>
internal static class SimulateCommand
{
    /// <summary>The System.CommandLine command.</summary>
    public static Command Create()
    {
        var scenario = new Option<string?>("--scenario", "-s") { Description = "scenario file (JSON; see scenarios/); default: the embedded 3-bridge demo" };
        var duration = new Option<double?>("--duration", "-d") { Description = "seconds of traffic (overrides the scenario's duration)" };
        var dump = new Option<bool>("--dump-flows") { Description = "print each shard's megaflows in ODP syntax at the end (like ovs-appctl dpctl/dump-flows)" };
        var report = new Option<string?>("--report") { Description = "write every counter as JSON to this file" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "no live display; print only the summary" };
        var sflow = new Option<string?>("--sflow") { Description = "send sFlow v5 datagrams of every bridge to this collector (host:port, e.g. 127.0.0.1:6343); bridges without their own sFlow settings sample 1 in 400" };
        var cmd = new Command("simulate", "Run a simulation: bridges, rules and traffic in this process, with live counters and a summary") { scenario, duration, dump, report, quiet, sflow };
        cmd.SetAction(pr =>
        {
            var q = pr.GetValue(quiet);
            var options = new SimulateOptions(pr.GetValue(scenario), pr.GetValue(duration), pr.GetValue(dump), pr.GetValue(report), q,
                Live: !q && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive, Sflow: pr.GetValue(sflow));
            using var cts = new CancellationTokenSource();
            void OnCancel(object? sender, ConsoleCancelEventArgs e)
            {
                if (!cts.IsCancellationRequested)
                {
                    e.Cancel = true;
                    Console.Error.WriteLine("vswarm simulate: stopping (Ctrl+C again to abort)…");
                    cts.Cancel();
                }
            }

            Console.CancelKeyPress += OnCancel;
            try
            {
                return Run(options, Console.Out, Console.Error, null, cts.Token);
            }
            finally
            {
                Console.CancelKeyPress -= OnCancel;
            }
        });
        return cmd;
    }

    /// <summary>Runs a simulation; returns the exit code.</summary>
    public static int Run(SimulateOptions options, TextWriter output, TextWriter error, FabricFactory? fabric = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (options.Duration is { } d && (d <= 0 || d > 86_400 || double.IsNaN(d)))
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vswarm simulate: --duration must be seconds in (0, 86400] (got {d})"));
            return 2;
        }

        Scenario scenario;
        try
        {
            scenario = options.ScenarioPath is { } path ? ScenarioLoader.Load(path) : DefaultScenario.Create();
        }
        catch (ScenarioException e)
        {
            foreach (var line in e.Errors)
            {
                error.WriteLine(line);
            }

            return 2;
        }

        if (options.Sflow is { } collector)
        {
            if (!Actors.Sflow.SflowUdpSender.TryParseCollector(collector, out _))
            {
                error.WriteLine($"vswarm simulate: --sflow must be host:port (got '{collector}')");
                return 2;
            }

            foreach (var b in scenario.Options.Bridges)
            {
                b.Sflow.Collectors = [collector];
            }
        }

        var duration = options.Duration is { } secs ? TimeSpan.FromSeconds(secs) : (TimeSpan?)null;
        var console = options.Live
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        if (!options.Live)
        {
            console.Profile.Width = 200;
        }
        SimulationView.WriteHeading(console, scenario, duration ?? scenario.Duration);

        SimulationResult result;
        try
        {
            result = options.Live
                ? RunLive(console, scenario, duration, options, fabric, cancellationToken)
                : RunPlain(output, scenario, duration, options, fabric, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("vswarm simulate: stopped before traffic started");
            return 130;
        }
        catch (SimulationException e)
        {
            error.WriteLine($"vswarm simulate: {e.Message}");
            return 1;
        }
        catch (ArgumentException e)
        {
            // A traffic source whose flows cannot be drawn (e.g. more flows than its prefixes hold).
            error.WriteLine($"vswarm simulate: {scenario.Source}: {e.Message}");
            return 2;
        }

        SimulationView.WriteSummary(console, result);
        if (options.DumpFlows)
        {
            SimulationView.WriteDumps(output, result);
        }

        if (options.ReportPath is { } reportPath)
        {
            try
            {
                File.WriteAllText(reportPath, SimulationReport.From(result).ToJson() + Environment.NewLine);
                console.MarkupLine($"report written to {Markup.Escape(reportPath)}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error.WriteLine($"vswarm simulate: cannot write the report {reportPath}: {e.Message}");
                return 1;
            }
        }

        return result.StoppedBy == "cancelled" ? 130 : 0;
    }

    private static SimulationResult RunPlain(TextWriter output, Scenario scenario, TimeSpan? duration, SimulateOptions options, FabricFactory? fabric, CancellationToken ct)
    {
        var printed = TimeSpan.Zero;
        void OnSample(SimulationSample s)
        {
            // One line per bridge about once a second.
            if (options.Quiet || s.Final || s.Elapsed - printed < TimeSpan.FromSeconds(1))
            {
                return;
            }

            printed = s.Elapsed;

            foreach (var line in SimulationView.PlainLines(s))
            {
                output.WriteLine(line);
            }
        }

        return SimulationRunner.RunAsync(scenario, duration, options.DumpFlows, fabric ?? BridgeFabric.CreateAsync, OnSample, ct).GetAwaiter().GetResult();
    }

    private static SimulationResult RunLive(IAnsiConsole console, Scenario scenario, TimeSpan? duration, SimulateOptions options, FabricFactory? fabric, CancellationToken ct)
    {
        SimulationResult? result = null;
        console.Live(new Markup("starting the bridges and loading rules…")).AutoClear(false).Start(ctx =>
        {
            result = SimulationRunner.RunAsync(scenario, duration, options.DumpFlows, fabric ?? BridgeFabric.CreateAsync, s =>
            {
                ctx.UpdateTarget(SimulationView.LiveTable(s));
                ctx.Refresh();
            }, ct).GetAwaiter().GetResult();
        });
        return result!;
    }
}
