using Microsoft.Extensions.Logging;

namespace VSwarm.Cluster.Coordination;

/// <summary>
/// Runs posted work items one at a time, in order, awaiting each before the next: the
/// single-threaded "mailbox" of a cluster component (membership, placement), so watch events,
/// timer ticks and their store calls never interleave. A post from inside a work item is queued
/// (never re-entered). When the store completes synchronously (the in-memory store on virtual
/// time) the whole queue drains inline on the posting thread, which keeps harness runs
/// deterministic; on etcd, continuations resume on the thread pool and the drain follows them.
/// </summary>
public sealed class SerialExecutor
{
    private readonly Queue<Func<Task>> _queue = new();
    private readonly object _gate = new();
    private readonly ILogger _log;
    private bool _running;

    /// <summary>Creates the executor; failures of work items are logged to <paramref name="log"/>.</summary>
    public SerialExecutor(ILogger log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
    }

    /// <summary>Queues <paramref name="work"/>.</summary>
    public void Post(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_gate)
        {
            _queue.Enqueue(work);
            if (_running)
            {
                return;
            }

            _running = true;
        }

        _ = DrainAsync();
    }

    /// <summary>Queues <paramref name="work"/>.</summary>
    public void Post(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Post(() =>
        {
            work();
            return Task.CompletedTask;
        });
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            Func<Task> work;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out work!))
                {
                    _running = false;
                    return;
                }
            }

            try
            {
                await work().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // One failed step must not stop the component; it retries on its next tick.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _log.StepFailed(ex, ex.Message);
            }
        }
    }
}
