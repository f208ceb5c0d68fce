using System.Collections;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using VSwarm.Actors.Classifier;

namespace VSwarm.Actors.Config;

/// <summary>A configuration that does not bind or validate; the message names every bad key.</summary>
public sealed class VSwarmConfigException : Exception
{
    /// <summary>Creates the exception from the list of errors (one per bad key).</summary>
    public VSwarmConfigException(IReadOnlyList<string> errors)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public VSwarmConfigException()
        : this([])
    {
    }

    /// <summary>Creates the exception with one error.</summary>
    public VSwarmConfigException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with one error and a cause.</summary>
    public VSwarmConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>The errors, each starting with the key path (e.g. <c>bridges:0:ports:1:ofport must be 1..65279</c>).</summary>
    public IReadOnlyList<string> Errors { get; } = [];
}

/// <summary>
/// Reads the configuration in layers — <c>vswarm.json</c>, then <c>VSWARM_</c> environment
/// variables (<c>__</c> separates levels), then command-line <c>--key=value</c> pairs — binds it to
/// <see cref="VSwarmOptions"/> (unknown keys are errors) and validates it.
/// </summary>
public static partial class VSwarmConfiguration
{
    /// <summary>The environment variable prefix.</summary>
    public const string EnvironmentPrefix = "VSWARM_";

    /// <summary>The default file name.</summary>
    public const string DefaultFile = "vswarm.json";

    /// <summary>
    /// Builds the layered configuration. <paramref name="environment"/> defaults to the process
    /// environment; tests pass their own.
    /// </summary>
    /// <param name="jsonPath">The JSON file (optional when null; required when given).</param>
    /// <param name="environment">Environment variables (only <c>VSWARM_SECTION__KEY</c> ones are used).</param>
    /// <param name="commandLine">Command-line arguments (<c>--bridges:0:shards=4</c>).</param>
    public static IConfigurationRoot Build(string? jsonPath, IDictionary? environment = null, IReadOnlyList<string>? commandLine = null)
    {
        var builder = new ConfigurationBuilder();
        if (jsonPath is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(jsonPath), optional: false, reloadOnChange: false);
        }

        environment ??= Environment.GetEnvironmentVariables();
        var env = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in environment)
        {
            // Every value of vswarm.json sits in a section (node, bridges), so a configuration
            // variable always has a "__" (VSWARM_NODE__NAME). One without it is not configuration
            // (VSWARM_TEST_TIMEFACTOR, read by the TestKit) and is left alone; a misspelt section
            // or key with "__" is still an unknown-key error.
            if (e.Key is string k && k.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)
                && k.Contains("__", StringComparison.Ordinal))
            {
                env[k[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = e.Value?.ToString();
            }
        }

        builder.AddInMemoryCollection(env);
        if (commandLine is { Count: > 0 })
        {
            builder.AddCommandLine([.. commandLine]);
        }

        return builder.Build();
    }

    /// <summary>Builds, binds and validates. Throws <see cref="VSwarmConfigException"/>.</summary>
    public static VSwarmOptions Load(string? jsonPath, IDictionary? environment = null, IReadOnlyList<string>? commandLine = null)
    {
        IConfigurationRoot config;
        try
        {
            config = Build(jsonPath, environment, commandLine);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FormatException or InvalidDataException)
        {
            throw new VSwarmConfigException($"{jsonPath}: {ex.Message}", ex);
        }

        return Bind(config);
    }

    /// <summary>Binds and validates a configuration. Throws <see cref="VSwarmConfigException"/>.</summary>
    public static VSwarmOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var unknown = new List<string>();
        FindUnknownKeys(configuration, typeof(VSwarmOptions), unknown);
        if (unknown.Count > 0)
        {
            throw new VSwarmConfigException(unknown);
        }

        VSwarmOptions options;
        try
        {
            options = configuration.Get<VSwarmOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new VSwarmOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new VSwarmConfigException([BindingError(ex)]);
        }

        Normalize(options);
        var errors = Validate(options);
        return errors.Count > 0 ? throw new VSwarmConfigException(errors) : options;
    }

    /// <summary>Fills derived defaults (port names).</summary>
    public static void Normalize(VSwarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var b in options.Bridges)
        {
            foreach (var p in b.Ports)
            {
                if (string.IsNullOrEmpty(p.Name))
                {
                    p.Name = string.Create(CultureInfo.InvariantCulture, $"{b.Name}-p{p.Ofport}");
                }
            }
        }
    }

    /// <summary>Returns every validation error (empty when valid), each starting with its key path.</summary>
    public static List<string> Validate(VSwarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        void Check(bool ok, string key, string message)
        {
            if (!ok)
            {
                errors.Add($"{key} {message}");
            }
        }

        var n = options.Node;
        Check(!string.IsNullOrWhiteSpace(n.Name), "node:name", "must not be empty");
        Check(IPEndPoint.TryParse(n.Listen, out var ep) && ep.Port > 0, "node:listen", $"must be address:port (got '{n.Listen}')");
        for (var i = 0; i < n.EtcdEndpoints.Count; i++)
        {
            Check(Uri.TryCreate(n.EtcdEndpoints[i], UriKind.Absolute, out var u) && u.Scheme is "http" or "https",
                $"node:etcdEndpoints:{i}", $"must be an http(s) URL (got '{n.EtcdEndpoints[i]}')");
        }

        Check(n.LeaseTtlMs is >= 1000 and <= 3_600_000, "node:leaseTtlMs", $"must be 1000..3600000 (got {n.LeaseTtlMs})");
        Check(n.KeepAliveMs >= 0 && (n.KeepAliveMs == 0 || n.KeepAliveMs < n.LeaseTtlMs), "node:keepAliveMs", $"must be 0 (TTL/3) or below leaseTtlMs (got {n.KeepAliveMs})");
        var keepAlive = n.KeepAliveMs == 0 ? n.LeaseTtlMs / 3 : n.KeepAliveMs;
        Check(n.FenceMarginMs > 0 && n.FenceMarginMs < n.LeaseTtlMs - keepAlive, "node:fenceMarginMs", $"must be > 0 and below leaseTtlMs - keepalive ({n.LeaseTtlMs - keepAlive}) (got {n.FenceMarginMs})");
        Check(n.StatusIntervalMs >= 100, "node:statusIntervalMs", $"must be >= 100 (got {n.StatusIntervalMs})");
        Check(n.TrafficPacketsPerTick is >= 0 and <= 4096, "node:trafficPacketsPerTick", $"must be 0..4096 (got {n.TrafficPacketsPerTick})");
        Check(!string.IsNullOrEmpty(n.Cluster), "node:cluster", "must not be empty");
        Check(n.Secret.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(n.Secret) >= 16, "node:secret", $"must be empty (no node links) or at least 16 bytes (got {System.Text.Encoding.UTF8.GetByteCount(n.Secret)})");

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var bi = 0; bi < options.Bridges.Count; bi++)
        {
            var b = options.Bridges[bi];
            var k = $"bridges:{bi}";
            Check(!string.IsNullOrWhiteSpace(b.Name), $"{k}:name", "must not be empty");
            if (!string.IsNullOrWhiteSpace(b.Name) && !names.TryAdd(b.Name, bi))
            {
                errors.Add($"{k}:name '{b.Name}' is already used by bridges:{names[b.Name]}");
            }

            var ofports = new HashSet<int>();
            var ifindexes = new HashSet<int>();
            for (var pi = 0; pi < b.Ports.Count; pi++)
            {
                var p = b.Ports[pi];
                var pk = $"{k}:ports:{pi}";
                Check(p.Ofport is >= 1 and <= 0xfeff, $"{pk}:ofport", $"must be 1..65279 (got {p.Ofport})");
                Check(p.Ifindex >= 1, $"{pk}:ifindex", $"must be >= 1 (got {p.Ifindex})");
                Check(ofports.Add(p.Ofport) || p.Ofport is < 1 or > 0xfeff, $"{pk}:ofport", $"{p.Ofport} is used twice in bridge {b.Name}");
                Check(ifindexes.Add(p.Ifindex) || p.Ifindex < 1, $"{pk}:ifindex", $"{p.Ifindex} is used twice in bridge {b.Name}");
            }

            Check(b.Classifier is "tss" or "dt", $"{k}:classifier", $"must be 'tss' or 'dt' (got '{b.Classifier}')");
            try
            {
                PrefixFields.Parse(b.Prefixes);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{k}:prefixes {FirstSentence(ex)} (got '{b.Prefixes}'; use e.g. 'nw_dst,nw_src' or 'none')");
            }

            Check(b.Shards is >= 1 and <= 1024, $"{k}:shards", $"must be 1..1024 (got {b.Shards})");
            Check(b.Handlers is >= 1 and <= 1024, $"{k}:handlers", $"must be 1..1024 (got {b.Handlers})");
            Check(b.Revalidators is >= 1 and <= 1024, $"{k}:revalidators", $"must be 1..1024 (got {b.Revalidators})");
            Check(b.FlowLimit >= 1, $"{k}:flowLimit", $"must be >= 1 (got {b.FlowLimit})");
            Check(b.MaxIdleMs >= 500, $"{k}:maxIdleMs", $"must be >= 500 (OVS minimum; got {b.MaxIdleMs})");
            Check(b.MaxRevalidatorMs >= 100, $"{k}:maxRevalidatorMs", $"must be >= 100 (OVS minimum; got {b.MaxRevalidatorMs})");
            Check(b.MinRevalidatePps >= 0, $"{k}:minRevalidatePps", $"must be >= 0 (got {b.MinRevalidatePps})");
            Check(b.EmcSize >= 0 && (b.EmcSize & (b.EmcSize - 1)) == 0, $"{k}:emcSize", $"must be 0 or a power of two (got {b.EmcSize})");
            Check(b.EmcInsertInvProb >= 0, $"{k}:emcInsertInvProb", $"must be >= 0 (got {b.EmcInsertInvProb})");
            Check(b.UpcallQueueCapacity >= 1, $"{k}:upcallQueueCapacity", $"must be >= 1 (got {b.UpcallQueueCapacity})");

            for (var li = 0; li < b.Links.Count; li++)
            {
                var l = b.Links[li];
                var lk = $"{k}:links:{li}";
                Check(b.Ports.Any(p => p.Ofport == l.Ofport), $"{lk}:ofport", $"{l.Ofport} is not a port of bridge {b.Name}");
                var peer = options.Bridges.FirstOrDefault(x => x.Name == l.PeerBridge);
                if (peer is null)
                {
                    errors.Add($"{lk}:peerBridge '{l.PeerBridge}' is not a configured bridge");
                }
                else
                {
                    Check(peer != b, $"{lk}:peerBridge", "must be another bridge");
                    Check(peer.Ports.Any(p => p.Ofport == l.PeerOfport), $"{lk}:peerOfport", $"{l.PeerOfport} is not a port of bridge {peer.Name}");
                }
            }

            ValidateSflow(b.Sflow, $"{k}:sflow", errors);
        }

        return errors;
    }

    private static void ValidateSflow(SflowOptions s, string k, List<string> errors)
    {
        if (s.Agent.Length > 0 && !IPAddress.TryParse(s.Agent, out _))
        {
            errors.Add($"{k}:agent must be an IP address (got '{s.Agent}')");
        }

        for (var i = 0; i < s.Collectors.Count; i++)
        {
            if (ParseCollector(s.Collectors[i]) is null)
            {
                errors.Add($"{k}:collectors:{i} must be host[:port] with port 1..65535 (got '{s.Collectors[i]}')");
            }
        }

        if (s.Sampling < 1)
        {
            errors.Add($"{k}:sampling must be >= 1 (got {s.Sampling})");
        }

        if (s.Header is < 1 or > 1500)
        {
            errors.Add($"{k}:header must be 1..1500 (got {s.Header})");
        }

        if (s.Polling < 0)
        {
            errors.Add($"{k}:polling must be >= 0 (got {s.Polling})");
        }

        for (var i = 0; i < s.Flows.Count; i++)
        {
            var f = s.Flows[i];
            if (ParseU64(f.Cookie) is null)
            {
                errors.Add($"{k}:flows:{i}:cookie must be a 64-bit number, hex 0x… or decimal (got '{f.Cookie}')");
            }

            if (ParseU64(f.Mask) is null)
            {
                errors.Add($"{k}:flows:{i}:mask must be a 64-bit number, hex 0x… or decimal (got '{f.Mask}')");
            }

            if (f.Sampling is < 1)
            {
                errors.Add($"{k}:flows:{i}:sampling must be >= 1 (got {f.Sampling})");
            }
        }
    }

    /// <summary>Parses <c>host[:port]</c> (IPv6 in brackets); null when malformed.</summary>
    public static (string Host, int Port)? ParseCollector(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (IPEndPoint.TryParse(text, out var ep) && (ep.Port != 0 || !text.Contains(':', StringComparison.Ordinal) || text.EndsWith(']')))
        {
            return (ep.Address.ToString(), ep.Port == 0 ? SflowOptions.DefaultCollectorPort : ep.Port);
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return Uri.CheckHostName(text) != UriHostNameType.Unknown ? (text, SflowOptions.DefaultCollectorPort) : null;
        }

        var host = text[..colon];
        return Uri.CheckHostName(host) != UriHostNameType.Unknown
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? (host, port)
            : null;
    }

    /// <summary>Parses a 64-bit number written in hex (<c>0x…</c>) or decimal; null when malformed.</summary>
    public static ulong? ParseU64(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim();
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? h : null
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static void FindUnknownKeys(IConfiguration section, Type type, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var prop = type.GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (prop is null || !prop.CanWrite)
            {
                var known = string.Join(", ", type.GetProperties().Where(p => p.CanWrite).Select(p => CamelPath(p.Name)));
                errors.Add($"{child.Path} is not a known key (known here: {known})");
                continue;
            }

            var t = prop.PropertyType;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = t.GetGenericArguments()[0];
                if (element != typeof(string))
                {
                    foreach (var item in child.GetChildren())
                    {
                        FindUnknownKeys(item, element, errors);
                    }
                }
            }
            else if (t.IsClass && t != typeof(string))
            {
                FindUnknownKeys(child, t, errors);
            }
        }
    }

    private static string BindingError(InvalidOperationException ex)
    {
        // The binder's words name the key with .NET property casing ('Bridges:0:Shards'); say it
        // with the JSON casing (bridges:0:shards) and drop the binder's preamble.
        var message = ex.InnerException?.Message ?? ex.Message;
        var convert = ConvertFailure().Match(message);
        if (convert.Success)
        {
            var type = convert.Groups["type"].Value switch
            {
                "System.Int32" or "System.Nullable`1[System.Int32]" => "an integer",
                "System.Boolean" => "true or false",
                var t => t,
            };
            return $"{CamelPath(convert.Groups["key"].Value)} must be {type} (got '{convert.Groups["value"].Value}')";
        }

        return message;
    }

    private static string CamelPath(string path) =>
        string.Join(':', path.Split(':').Select(s => s.Length > 0 && char.IsUpper(s[0]) ? char.ToLowerInvariant(s[0]) + s[1..] : s));

    [System.Text.RegularExpressions.GeneratedRegex(@"value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ConvertFailure();

    private static string FirstSentence(Exception ex)
    {
        var m = ex.Message;
        var cut = m.IndexOf(" (Parameter", StringComparison.Ordinal);
        return cut >= 0 ? m[..cut] : m;
    }
}
