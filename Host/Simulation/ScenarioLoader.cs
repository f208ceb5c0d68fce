using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using VSwarm.Actors.Config;
using VSwarm.Actors.Traffic;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Host.Simulation;

/// <summary>
/// Reads a scenario file (JSON; comments and trailing commas allowed). Its <c>bridges</c> entries
/// have the shape of vswarm.json's (validated by <see cref="VSwarmConfiguration.Bind"/>) plus
/// <c>flows</c>, an ovs-ofctl add-flows file relative to the scenario file. Every problem is
/// reported as <c>file:line: key problem</c>; flow file problems as <c>file:line:column: problem</c>.
/// </summary>
internal static partial class ScenarioLoader
{
    private static readonly JsonSerializerOptions DocumentJson = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly JsonDocumentOptions SyntaxJson = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly string[] KnownProtocols = ["tcp", "udp", "icmp"];

    /// <summary>Loads and validates <paramref name="path"/>. Throws <see cref="ScenarioException"/>.</summary>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException($"{path}: cannot read the scenario: {e.Message}");
        }

        return Parse(bytes, path, Path.GetDirectoryName(path) ?? ".");
    }

    /// <summary>Parses scenario JSON; <paramref name="source"/> names it in errors, flow files are relative to <paramref name="baseDirectory"/>.</summary>
    public static Scenario Parse(ReadOnlySpan<byte> json, string source, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        var bytes = json.ToArray();
        try
        {
            using var syntax = JsonDocument.Parse(bytes, SyntaxJson);
            if (syntax.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ScenarioException($"{source}:1: a scenario must be a JSON object");
            }
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"{source}:{(e.LineNumber ?? 0) + 1}: {JsonProblem(e)}");
        }

        var lines = new LineMap(bytes);
        ScenarioDocument doc;
        try
        {
            doc = JsonSerializer.Deserialize<ScenarioDocument>(bytes, DocumentJson) ?? new ScenarioDocument();
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"{source}:{(e.LineNumber ?? 0) + 1}: {ConfigPath(e.Path)} {JsonProblem(e)}".Replace(":  ", ": ", StringComparison.Ordinal));
        }

        var errors = new List<string>();
        void Error(string key, string problem) => errors.Add($"{source}:{lines.Find(key)}: {key} {problem}");

        var name = string.IsNullOrWhiteSpace(doc.Name) ? Path.GetFileNameWithoutExtension(source) : doc.Name;
        TimeSpan? duration = null;
        if (doc.Duration is { } d)
        {
            if (d is <= 0 or > 86_400 || double.IsNaN(d))
            {
                Error("duration", $"must be a number of seconds in (0, 86400] (got {d.ToString(CultureInfo.InvariantCulture)})");
            }
            else
            {
                duration = TimeSpan.FromSeconds(d);
            }
        }

        if (doc.Packets is <= 0)
        {
            Error("packets", $"must be >= 1 (got {doc.Packets})");
        }

        if (doc.Duration is null && doc.Packets is null)
        {
            duration = Scenario.DefaultDuration;
        }

        // ---- bridges: the vswarm.json shape (bound and validated by VSwarmConfiguration), plus "flows".
        var bridgeElements = doc.Bridges ?? [];
        if (bridgeElements.Count == 0)
        {
            Error("bridges", "must list at least one bridge");
        }

        var flowFiles = new Dictionary<int, string>();
        var config = new JsonArray();
        for (var i = 0; i < bridgeElements.Count; i++)
        {
            var element = bridgeElements[i];
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error($"bridges:{i}", "must be an object (a vswarm.json bridge plus \"flows\")");
                continue;
            }

            var obj = new JsonObject();
            foreach (var p in element.EnumerateObject())
            {
                if (p.NameEquals("flows") || string.Equals(p.Name, "flows", StringComparison.OrdinalIgnoreCase))
                {
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } f)
                    {
                        flowFiles[i] = f;
                    }
                    else if (p.Value.ValueKind != JsonValueKind.Null)
                    {
                        Error($"bridges:{i}:flows", "must be the path of an ovs-ofctl add-flows file (a string)");
                    }
                }
                else
                {
                    obj[p.Name] = JsonNode.Parse(p.Value.GetRawText());
                }
            }

            config.Add(obj);
        }

        var options = new VSwarmOptions();
        if (errors.Count == 0)
        {
            var configJson = new JsonObject { ["bridges"] = config }.ToJsonString();
            try
            {
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(configJson));
                var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
                options = VSwarmConfiguration.Bind(configuration);
            }
            catch (VSwarmConfigException e)
            {
                foreach (var problem in e.Errors)
                {
                    var space = problem.IndexOf(' ', StringComparison.Ordinal);
                    var key = space < 0 ? problem : problem[..space];
                    errors.Add($"{source}:{lines.Find(key)}: {problem}");
                }
            }
        }

        var bridges = options.Bridges.ToDictionary(b => b.Name, StringComparer.Ordinal);

        // ---- links: "br0:3 <-> br1:3" or { "bridge", "ofport", "peerBridge", "peerOfport" }.
        var links = doc.Links ?? [];
        for (var i = 0; i < links.Count && bridges.Count > 0; i++)
        {
            var key = $"links:{i}";
            if (!TryParseLink(links[i], out var a, out var ap, out var b, out var bp, out var shape))
            {
                Error(key, shape);
                continue;
            }

            var ok = true;
            foreach (var (br, port) in new[] { (a, ap), (b, bp) })
            {
                if (!bridges.TryGetValue(br, out var bo))
                {
                    Error(key, $"names bridge '{br}', which is not a bridge of the scenario (bridges: {string.Join(", ", bridges.Keys)})");
                    ok = false;
                }
                else if (bo.Ports.All(p => p.Ofport != port))
                {
                    Error(key, $"names port {br}:{port}, but bridge {br} has no port {port} (ports: {string.Join(", ", bo.Ports.Select(p => p.Ofport))})");
                    ok = false;
                }
            }

            if (!ok)
            {
                continue;
            }

            if (a == b)
            {
                Error(key, $"links bridge {a} to itself");
                continue;
            }

            if (!AddLinkSide(bridges[a], ap, b, bp) || !AddLinkSide(bridges[b], bp, a, ap))
            {
                Error(key, $"{a}:{ap} <-> {b}:{bp} conflicts with another link of one of these ports");
            }
        }

        // ---- traffic sources.
        var traffic = new List<TrafficSource>();
        var sources = doc.Traffic ?? [];
        if (sources.Count == 0)
        {
            Error("traffic", "must list at least one traffic source");
        }

        for (var i = 0; i < sources.Count && bridges.Count > 0; i++)
        {
            var t = sources[i];
            var key = $"traffic:{i}";
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(t.Bridge))
            {
                Error($"{key}:bridge", "is required (the bridge the packets enter)");
                continue;
            }

            if (!bridges.TryGetValue(t.Bridge, out var bridge))
            {
                Error($"{key}:bridge", $"'{t.Bridge}' is not a bridge of the scenario (bridges: {string.Join(", ", bridges.Keys)})");
                continue;
            }

            var linked = bridge.Links.Select(l => l.Ofport).ToHashSet();
            var inPorts = t.InPorts is { Count: > 0 } ip ? ip : [.. bridge.Ports.Select(p => p.Ofport).Where(p => !linked.Contains(p))];
            if (inPorts.Count == 0)
            {
                Error($"{key}:inPorts", $"is required: bridge {t.Bridge} has no port without a link");
            }

            foreach (var port in inPorts.Where(p => bridge.Ports.All(bp => bp.Ofport != p)))
            {
                Error($"{key}:inPorts", $"names port {port}, but bridge {t.Bridge} has no port {port} (ports: {string.Join(", ", bridge.Ports.Select(p => p.Ofport))})");
            }

            var rate = t.Rate ?? 1000;
            if (rate is <= 0 or > 10_000_000 || double.IsNaN(rate))
            {
                Error($"{key}:rate", $"must be packets per second in (0, 10000000] (got {rate.ToString(CultureInfo.InvariantCulture)})");
            }

            var flows = t.Flows ?? 1000;
            if (flows is < 1 or > 1_000_000)
            {
                Error($"{key}:flows", $"must be 1..1000000 distinct flows (got {flows})");
            }

            var distribution = FlowDistribution.Zipf;
            switch (t.Distribution?.ToLowerInvariant())
            {
                case null or "zipf":
                    break;
                case "uniform":
                    distribution = FlowDistribution.Uniform;
                    break;
                default:
                    Error($"{key}:distribution", $"must be 'zipf' or 'uniform' (got '{t.Distribution}')");
                    break;
            }

            var exponent = t.Exponent ?? 1.1;
            if (exponent is < 0 or > 10 || double.IsNaN(exponent))
            {
                Error($"{key}:exponent", $"must be 0..10 (got {exponent.ToString(CultureInfo.InvariantCulture)})");
            }

            var protocols = t.Protocols is { Count: > 0 } pr ? pr.Select(p => p.ToLowerInvariant()).ToList() : ["tcp", "udp"];
            foreach (var p in protocols.Where(p => !KnownProtocols.Contains(p)))
            {
                Error($"{key}:protocols", $"'{p}' is not a protocol (tcp, udp, icmp)");
            }

            var src = t.SrcPrefix ?? "10.0.0.0/8";
            var dst = t.DstPrefix ?? "10.0.0.0/8";
            if (!IsIpv4Prefix(src))
            {
                Error($"{key}:srcPrefix", $"must be an IPv4 prefix like 10.0.0.0/8 (got '{src}')");
            }

            if (!IsIpv4Prefix(dst))
            {
                Error($"{key}:dstPrefix", $"must be an IPv4 prefix like 10.0.0.0/8 (got '{dst}')");
            }

            var dstPorts = t.DstPorts ?? [];
            foreach (var p in dstPorts.Where(p => p is < 1 or > 65535))
            {
                Error($"{key}:dstPorts", $"{p} is not a port (1..65535)");
            }

            var frameBytes = t.FrameBytes ?? 128;
            if (frameBytes is < 64 or > 9018)
            {
                Error($"{key}:frameBytes", $"must be 64..9018 (got {frameBytes})");
            }

            if (errors.Count > before)
            {
                continue;
            }

            var spec = new FlowSetSpec(
                [.. inPorts.Select(p => (uint)p)], protocols, src, dst,
                dstPorts.Count > 0 ? [.. dstPorts.Select(p => (ushort)p)] : null, frameBytes);
            traffic.Add(new TrafficSource(
                string.IsNullOrWhiteSpace(t.Name) ? string.Create(CultureInfo.InvariantCulture, $"{t.Bridge}-src{i}") : t.Name,
                t.Bridge, rate, flows, distribution, exponent, spec, t.Seed ?? (i + 1)));
        }

        // ---- flow files (only when the bridges bound: their names are needed).
        var rules = new Dictionary<string, IReadOnlyList<OpenFlowRule>>(StringComparer.Ordinal);
        var flowSources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in options.Bridges)
        {
            rules[b.Name] = [];
            flowSources[b.Name] = "(no flows)";
        }

        if (options.Bridges.Count == bridgeElements.Count)
        {
            foreach (var (i, file) in flowFiles)
            {
                var bridgeName = options.Bridges[i].Name;
                var flowPath = Path.IsPathRooted(file) ? file : Path.Combine(baseDirectory, file);
                string text;
                try
                {
                    text = File.ReadAllText(flowPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    Error($"bridges:{i}:flows", $"cannot read flow file '{flowPath}': {e.Message}");
                    continue;
                }

                var parsed = OfctlFlowParser.ParseFile(text, flowPath);
                errors.AddRange(parsed.Errors.Select(e => e.Message));
                rules[bridgeName] = parsed.Rules;
                flowSources[bridgeName] = flowPath;
            }
        }

        if (errors.Count > 0)
        {
            throw new ScenarioException(errors);
        }

        return new Scenario(name, doc.Description ?? string.Empty, source, duration, doc.Packets, options, rules, flowSources, traffic);
    }

    private static bool AddLinkSide(BridgeOptions bridge, int ofport, string peer, int peerOfport)
    {
        var existing = bridge.Links.FirstOrDefault(l => l.Ofport == ofport);
        if (existing is not null)
        {
            return existing.PeerBridge == peer && existing.PeerOfport == peerOfport;
        }

        bridge.Links.Add(new LinkOptions { Ofport = ofport, PeerBridge = peer, PeerOfport = peerOfport });
        return true;
    }

    private static bool TryParseLink(JsonElement e, out string a, out int ap, out string b, out int bp, out string problem)
    {
        a = b = problem = string.Empty;
        ap = bp = 0;
        const string Shape = "must be \"br0:3 <-> br1:3\" or {\"bridge\": \"br0\", \"ofport\": 3, \"peerBridge\": \"br1\", \"peerOfport\": 3}";
        if (e.ValueKind == JsonValueKind.String)
        {
            var m = LinkText().Match(e.GetString() ?? string.Empty);
            if (!m.Success)
            {
                problem = $"{Shape} (got '{e.GetString()}')";
                return false;
            }

            a = m.Groups["a"].Value;
            b = m.Groups["b"].Value;
            ap = int.Parse(m.Groups["ap"].Value, CultureInfo.InvariantCulture);
            bp = int.Parse(m.Groups["bp"].Value, CultureInfo.InvariantCulture);
            return true;
        }

        if (e.ValueKind == JsonValueKind.Object)
        {
            string? Str(string n) => e.EnumerateObject().Where(p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()).FirstOrDefault();
            int? Int(string n) => e.EnumerateObject().Where(p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out _)).Select(p => (int?)p.Value.GetInt32()).FirstOrDefault();
            var unknown = e.EnumerateObject().Select(p => p.Name).Where(n => !new[] { "bridge", "ofport", "peerBridge", "peerOfport" }.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count == 0 && Str("bridge") is { } x && Int("ofport") is { } xp && Str("peerBridge") is { } y && Int("peerOfport") is { } yp)
            {
                (a, ap, b, bp) = (x, xp, y, yp);
                return true;
            }
        }

        problem = Shape;
        return false;
    }

    private static bool IsIpv4Prefix(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addr = slash < 0 ? text : text[..slash];
        return IPAddress.TryParse(addr, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && addr.Count(c => c == '.') == 3
            && (slash < 0 || (int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var len) && len <= 32));
    }

    /// <summary>$.traffic[0].rate → traffic:0:rate (the key style of every other error).</summary>
    private static string ConfigPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return string.Empty;
        }

        var p = jsonPath.TrimStart('$').Replace("[", ".", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal)
            .Replace("'", string.Empty, StringComparison.Ordinal).TrimStart('.');
        return p.Replace('.', ':');
    }

    private static string JsonProblem(JsonException e)
    {
        var m = e.Message;
        var unmapped = UnmappedMember().Match(m);
        if (unmapped.Success)
        {
            return $"'{unmapped.Groups["name"].Value}' is not a known key";
        }

        var convert = ConvertFailure().Match(m);
        if (convert.Success)
        {
            var type = convert.Groups["type"].Value;
            var friendly = type.Contains("Double", StringComparison.Ordinal) ? "a number"
                : type.Contains("Int", StringComparison.Ordinal) ? "an integer"
                : type.Contains("String", StringComparison.Ordinal) ? "a string"
                : type.Contains("List", StringComparison.Ordinal) ? "an array"
                : type.Contains("Document", StringComparison.Ordinal) ? "an object"
                : type;
            return $"must be {friendly}";
        }

        var cut = m.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut >= 0 ? m[..cut] : m;
        var lineInfo = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (lineInfo >= 0 ? text[..lineInfo] : text).TrimEnd(' ', '|', '.');
    }

    [GeneratedRegex(@"^\s*(?<a>[A-Za-z0-9_.\-]+):(?<ap>\d{1,5})\s*(<->|↔|<=>|--)\s*(?<b>[A-Za-z0-9_.\-]+):(?<bp>\d{1,5})\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex LinkText();

    [GeneratedRegex(@"property '(?<name>[^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"could not be converted to (?<type>[^.]+(\.[^.\s]+)*)\. Path", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertFailure();

    /// <summary>The scenario file's top level, as System.Text.Json reads it.</summary>
    internal sealed class ScenarioDocument
    {
        [JsonPropertyName("$schema")]
        public string? Schema { get; set; }

        public string? Name { get; set; }

        public string? Description { get; set; }

        public double? Duration { get; set; }

        public long? Packets { get; set; }

        public List<JsonElement>? Bridges { get; set; }

        public List<JsonElement>? Links { get; set; }

        public List<TrafficDocument>? Traffic { get; set; }
    }

    /// <summary>One traffic source as written in the file.</summary>
    internal sealed class TrafficDocument
    {
        public string? Name { get; set; }

        public string? Bridge { get; set; }

        public List<int>? InPorts { get; set; }

        public double? Rate { get; set; }

        public int? Flows { get; set; }

        public string? Distribution { get; set; }

        public double? Exponent { get; set; }

        public List<string>? Protocols { get; set; }

        public string? SrcPrefix { get; set; }

        public string? DstPrefix { get; set; }

        public List<int>? DstPorts { get; set; }

        public int? FrameBytes { get; set; }

        public int? Seed { get; set; }
    }

    /// <summary>The line (1-based) of every key and array element, by lower-case key path (<c>bridges:0:ports:1:ofport</c>).</summary>
    private sealed class LineMap
    {
        private readonly Dictionary<string, int> _lines = new(StringComparer.OrdinalIgnoreCase);

        public LineMap(byte[] json)
        {
            var newlines = new List<long>();
            for (var i = 0; i < json.Length; i++)
            {
                if (json[i] == (byte)'\n')
                {
                    newlines.Add(i);
                }
            }

            int LineAt(long offset)
            {
                var i = newlines.BinarySearch(offset);
                return (i >= 0 ? i : ~i) + 1;
            }

            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var stack = new List<(bool IsArray, string Path, int Index)>();
            var property = string.Empty;
            while (reader.Read())
            {
                var line = LineAt(reader.TokenStartIndex);
                string ValuePath()
                {
                    if (stack.Count == 0)
                    {
                        return string.Empty;
                    }

                    var top = stack[^1];
                    if (!top.IsArray)
                    {
                        return property;
                    }

                    var p = Join(top.Path, top.Index.ToString(CultureInfo.InvariantCulture));
                    stack[^1] = top with { Index = top.Index + 1 };
                    _lines.TryAdd(p, line);
                    return p;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = Join(stack.Count > 0 ? stack[^1].Path : string.Empty, reader.GetString() ?? string.Empty);
                        _lines.TryAdd(property, line);
                        break;
                    case JsonTokenType.StartObject:
                        stack.Add((false, ValuePath(), 0));
                        break;
                    case JsonTokenType.StartArray:
                        stack.Add((true, ValuePath(), 0));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        ValuePath();
                        break;
                }
            }
        }

        /// <summary>The line of <paramref name="key"/>, or of its nearest parent that is in the file (1 when none).</summary>
        public int Find(string key)
        {
            var k = key;
            while (k.Length > 0)
            {
                if (_lines.TryGetValue(k, out var line))
                {
                    return line;
                }

                var colon = k.LastIndexOf(':');
                k = colon < 0 ? string.Empty : k[..colon];
            }

            return 1;
        }

        private static string Join(string parent, string child) => parent.Length == 0 ? child : parent + ":" + child;
    }
}
