using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Etcd;
using VSwarm.Cluster.Membership;
using VSwarm.Runtime;
using VSwarm.Tests.Cluster.Etcd;
using Xunit;

namespace VSwarm.Tests.Cluster.Membership;

/// <summary>
/// Self-fencing on a real etcd: a node that loses etcd (its connection goes through a relay the
/// test shuts) fences itself before another member sees its key expire.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdFencingTests(EtcdFixture etcd)
{
    [Fact]
    public async Task A_node_cut_off_from_etcd_fences_before_its_lease_expires()
    {
        await etcd.Client.DeleteAsync(ClusterKeys.Members, prefix: true);
        using var scheduler = new RealTimeScheduler();
        var proxy = new TcpProxy(etcd.Endpoint);
        using var client = new EtcdClient(new EtcdOptions { Endpoint = proxy.Endpoint, RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var executor = new SerialExecutor(NullLogger.Instance);
        var options = new MembershipOptions { LeaseTtl = TimeSpan.FromSeconds(2), SafetyMargin = TimeSpan.FromMilliseconds(400) };
        using var member = new MembershipService(new MemberInfo("fence-me", "127.0.0.1:1", DateTimeOffset.UtcNow), new EtcdCoordinationStore(client), scheduler, executor, options, NullLogger.Instance);
        var clock = Stopwatch.StartNew();
        var fencedAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        member.Fenced += _ => fencedAt.TrySetResult(clock.Elapsed);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        member.Changed += e =>
        {
            if (e is SelfJoined)
            {
                joined.TrySetResult();
            }
        };
        member.Start();
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // An observer that still reaches etcd watches the member key.
        var observer = new EtcdCoordinationStore(etcd.Client);
        var snapshot = await observer.RangeAsync(ClusterKeys.Member("fence-me"), false);
        Assert.Single(snapshot.Kvs);
        var deletedAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = observer.Watch(ClusterKeys.Members, snapshot.Revision + 1, e =>
        {
            if (e.IsDelete && e.Key == ClusterKeys.Member("fence-me"))
            {
                deletedAt.TrySetResult(clock.Elapsed);
            }
        });

        var cutAt = clock.Elapsed;
        proxy.Dispose();
        var fenced = await fencedAt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var deleted = await deletedAt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(fenced < deleted, $"fenced {(fenced - cutAt).TotalMilliseconds} ms after the cut, key deleted after {(deleted - cutAt).TotalMilliseconds} ms");
        Assert.False(member.IsJoined);
    }
}
