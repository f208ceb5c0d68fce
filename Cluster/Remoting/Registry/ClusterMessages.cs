namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// The registry a cluster node's links use: VSwarm's built-ins plus the cluster side's own
/// messages (ids from 0x100), closed once here so every node of a cluster agrees on the set.
/// </summary>
public static class ClusterMessages
{
    /// <summary>Built-ins plus <see cref="RemotePatchPackets"/> (0x100).</summary>
    public static RemoteMessageRegistry Registry { get; } = new RemoteMessageRegistry.Builder()
        .Add(new RemotePatchPacketsCodec())
        .Build();
}
