using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using VSwarm.Actors.Config;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm config show [--config FILE] [--set KEY=VALUE]...`: reads the layered configuration
/// (vswarm.json, VSWARM_ environment variables, then each --set), validates it and prints the
/// effective configuration as JSON with every default filled in. Exit code 2 when it is invalid
/// (each error names its key, e.g. bridges:0:ports:1:ofport must be 1..65279).
/// </summary>
internal static class ConfigCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create()
    {
        var file = new Option<string?>("--config", "-c") { Description = "configuration file (default: ./vswarm.json when it exists)" };
        var set = new Option<string[]>("--set") { Description = "override a key, e.g. --set bridges:0:shards=4 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var show = new Command("show", "Print the effective configuration (file, VSWARM_ environment, --set) as JSON") { file, set };
        show.SetAction(pr =>
        {
            var path = pr.GetValue(file) ?? (File.Exists(VSwarmConfiguration.DefaultFile) ? VSwarmConfiguration.DefaultFile : null);
            var overrides = (pr.GetValue(set) ?? []).Select(s => "--" + s).ToArray();
            try
            {
                var options = VSwarmConfiguration.Load(path, commandLine: overrides);
                Console.Out.WriteLine(JsonSerializer.Serialize(options, Json));
                return 0;
            }
            catch (VSwarmConfigException e)
            {
                Console.Error.WriteLine($"vswarm: {e.Message}");
                return 2;
            }
        });
        return new Command("config", "Configuration (vswarm.json)") { show };
    }
}
