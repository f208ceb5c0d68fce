using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Etcd;

namespace VSwarm.Host.Commands;

/// <summary>The etcd connection of the cluster commands (`--etcd URL`).</summary>
internal static class ClusterConnection
{
    /// <summary>An etcd-backed store, or an error message naming the bad URL.</summary>
    public static (EtcdCoordinationStore? Store, string? Error) Open(string? url)
    {
        url ??= Actors.Config.NodeOptions.DefaultEtcdEndpoint;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, $"--etcd must be an http(s) URL (got '{url}')");
        }

        var client = new EtcdClient(new EtcdOptions { Endpoint = uri, RequestTimeout = TimeSpan.FromSeconds(3) });
        return (new EtcdCoordinationStore(client, ownsClient: true), null);
    }
}
