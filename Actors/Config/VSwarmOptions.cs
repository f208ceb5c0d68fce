namespace VSwarm.Actors.Config;

/// <summary>
/// The whole configuration (<c>vswarm.json</c>, then <c>VSWARM_</c> environment variables, then
/// the command line; see <see cref="VSwarmConfiguration"/>). Keys are camelCase in JSON and
/// case-insensitive; a key path is written with colons, e.g. <c>bridges:0:ports:1:ofport</c>
/// (environment: <c>VSWARM_bridges__0__ports__1__ofport</c>; command line:
/// <c>--bridges:0:ports:1:ofport=3</c>). Defaults are OVS 3.1's unless a reason is given.
/// </summary>
public sealed class VSwarmOptions
{
    /// <summary>This node.</summary>
    public NodeOptions Node { get; set; } = new();

    /// <summary>The bridges of the simulation (all of them; placement decides where each runs).</summary>
    public List<BridgeOptions> Bridges { get; set; } = [];
}

/// <summary>One VSwarm node (process) of a cluster.</summary>
public sealed class NodeOptions
{
    /// <summary>Default etcd client endpoint (etcd's own default client URL).</summary>
    public const string DefaultEtcdEndpoint = "http://127.0.0.1:2379";

    /// <summary>Node name, unique in the cluster. Default "node-1" (VSwarm: deterministic, not the host name).</summary>
    public string Name { get; set; } = "node-1";

    /// <summary>Address:port for node-to-node links. Default 127.0.0.1:7946 (VSwarm's choice; no OVS equivalent).</summary>
    public string Listen { get; set; } = "127.0.0.1:7946";

    /// <summary>etcd endpoints; empty means <see cref="DefaultEtcdEndpoint"/>.</summary>
    public List<string> EtcdEndpoints { get; set; } = [];

    /// <summary>Membership lease TTL in ms (VSwarm: 3 s, so a dead node is noticed within seconds).</summary>
    public int LeaseTtlMs { get; set; } = 3000;

    /// <summary>Lease keepalive period in ms; 0 = TTL/3 (VSwarm: as etcd's own clients renew at TTL/3).</summary>
    public int KeepAliveMs { get; set; }

    /// <summary>
    /// Self-fencing margin in ms: a node stops its bridges this long before its lease could expire
    /// in etcd, counted from the send time of its last successful keepalive. Default 500 (VSwarm).
    /// </summary>
    public int FenceMarginMs { get; set; } = 500;

    /// <summary>How often an owner publishes its bridges' counters to etcd, in ms. Default 1000 (VSwarm).</summary>
    public int StatusIntervalMs { get; set; } = 1000;

    /// <summary>Packets per 100 ms a node generates into each bridge it runs (0 = none). Default 32 (VSwarm).</summary>
    public int TrafficPacketsPerTick { get; set; } = 32;

    /// <summary>Cluster name checked in the node-link handshake: a node of another cluster is refused. Default "vswarm".</summary>
    public string Cluster { get; set; } = "vswarm";

    /// <summary>
    /// Shared secret (at least 16 bytes of UTF-8) both ends of a node link prove with HMAC-SHA256
    /// without sending it; better set from the environment (<c>VSWARM_NODE__SECRET</c>) than in the
    /// file. Empty: the node runs without links (patch traffic to other nodes is undeliverable).
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>The endpoints to use (the default when none are configured).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> EffectiveEtcdEndpoints => EtcdEndpoints.Count > 0 ? EtcdEndpoints : [DefaultEtcdEndpoint];
}

/// <summary>One bridge (OVS: a Bridge row and its other_config).</summary>
public sealed class BridgeOptions
{
    /// <summary>Bridge name, e.g. br0.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Ports (OVS: Interface rows with ofport and ifindex).</summary>
    public List<PortOptions> Ports { get; set; } = [];

    /// <summary>Patch links from a local port to a port of another bridge.</summary>
    public List<LinkOptions> Links { get; set; } = [];

    /// <summary>
    /// Classifier algorithm of every OpenFlow table: <c>tss</c> (tuple space search, OVS's) or
    /// <c>dt</c> (VSwarm's decision tree, docs/classifiers.md; prefix tries do not apply to it).
    /// </summary>
    public string Classifier { get; set; } = "tss";

    /// <summary>Prefix-trie fields (OVS Flow_Table:prefixes): a comma list or <c>none</c>. Default OVS 3.1's <c>nw_dst,nw_src</c>.</summary>
    public string Prefixes { get; set; } = "nw_dst,nw_src";

    /// <summary>Datapath shards (PMD threads / RSS queues). Default 1 (VSwarm: one shard is what a kernel datapath looks like).</summary>
    public int Shards { get; set; } = 1;

    /// <summary>Upcall handlers (OVS n-handler-threads). Default 2 (OVS derives it from the cores; fixed here so runs are reproducible).</summary>
    public int Handlers { get; set; } = 2;

    /// <summary>Revalidators (OVS n-revalidator-threads). Default 1 (OVS: max(cores,2)/4+1 = 1 on up to 7 cores).</summary>
    public int Revalidators { get; set; } = 1;

    /// <summary>OVS other_config:flow-limit, the hard ceiling on datapath flows. Default 200000.</summary>
    public int FlowLimit { get; set; } = 200_000;

    /// <summary>OVS other_config:max-idle in ms (min 500). Default 10000.</summary>
    public int MaxIdleMs { get; set; } = 10_000;

    /// <summary>OVS other_config:max-revalidator in ms (min 100). Default 500.</summary>
    public int MaxRevalidatorMs { get; set; } = 500;

    /// <summary>OVS other_config:min-revalidate-pps (0 = always revalidate). Default 5.</summary>
    public int MinRevalidatePps { get; set; } = 5;

    /// <summary>Exact-match cache entries per shard (OVS EM_FLOW_HASH_ENTRIES = 8192; 0 disables the EMC).</summary>
    public int EmcSize { get; set; } = 8192;

    /// <summary>OVS other_config:emc-insert-inv-prob: insert into the EMC with probability 1/N (0 = never). Default 100.</summary>
    public int EmcInsertInvProb { get; set; } = 100;

    /// <summary>
    /// Upcalls a handler can queue before it drops (counted as "lost"). Default 4096 (VSwarm: OVS
    /// has no such knob — the kernel drops when a handler's netlink socket buffer is full).
    /// </summary>
    public int UpcallQueueCapacity { get; set; } = 4096;

    /// <summary>sFlow; disabled when there is no collector.</summary>
    public SflowOptions Sflow { get; set; } = new();
}

/// <summary>One port of a bridge.</summary>
public sealed class PortOptions
{
    /// <summary>Port (interface) name; default <c>&lt;bridge&gt;-p&lt;ofport&gt;</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>OpenFlow port number, 1..65279 (OFPP_MAX = 0xfeff).</summary>
    public int Ofport { get; set; }

    /// <summary>Datapath ifindex (&gt; 0), as the datapath and sFlow see the port.</summary>
    public int Ifindex { get; set; }
}

/// <summary>A patch link: a local port connected to a port of another bridge (OVS patch ports).</summary>
public sealed class LinkOptions
{
    /// <summary>The local port's ofport.</summary>
    public int Ofport { get; set; }

    /// <summary>The peer bridge's name.</summary>
    public string PeerBridge { get; set; } = string.Empty;

    /// <summary>The peer port's ofport on the peer bridge.</summary>
    public int PeerOfport { get; set; }
}

/// <summary>sFlow agent settings (OVS sFlow table; defaults from ofproto/bridge.c and lib/sflow.h).</summary>
public sealed class SflowOptions
{
    /// <summary>The sFlow collector port when a collector has none (6343).</summary>
    public const int DefaultCollectorPort = 6343;

    /// <summary>Agent address reported in datagrams (an IP address); empty = the node's listen address.</summary>
    public string Agent { get; set; } = string.Empty;

    /// <summary>Collectors as <c>host[:port]</c> (port 6343 when omitted). Empty: sFlow off.</summary>
    public List<string> Collectors { get; set; } = [];

    /// <summary>Sampling rate: 1 in N packets (OVS default 400).</summary>
    public int Sampling { get; set; } = 400;

    /// <summary>Sampled header bytes (OVS default 128).</summary>
    public int Header { get; set; } = 128;

    /// <summary>Counter polling interval in seconds (OVS default 30; 0 = no polling).</summary>
    public int Polling { get; set; } = 30;

    /// <summary>Per-flow samplers selected by rule cookie (VSwarm extension; OVS samples per bridge).</summary>
    public List<SflowFlowSelector> Flows { get; set; } = [];

    /// <summary>True when at least one collector is configured.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Enabled => Collectors.Count > 0;
}

/// <summary>A per-flow sampler: rules whose <c>cookie &amp; mask == cookie</c> are sampled by their own sampler.</summary>
public sealed class SflowFlowSelector
{
    /// <summary>Cookie value (hex <c>0x…</c> or decimal).</summary>
    public string Cookie { get; set; } = "0";

    /// <summary>Cookie mask (hex or decimal); default all ones.</summary>
    public string Mask { get; set; } = "0xffffffffffffffff";

    /// <summary>Own sampling rate (1 in N); null = the agent's rate.</summary>
    public int? Sampling { get; set; }

    /// <summary>The parsed cookie (valid after validation).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ulong CookieValue => VSwarmConfiguration.ParseU64(Cookie) ?? 0;

    /// <summary>The parsed mask (valid after validation).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ulong MaskValue => VSwarmConfiguration.ParseU64(Mask) ?? ulong.MaxValue;
}
