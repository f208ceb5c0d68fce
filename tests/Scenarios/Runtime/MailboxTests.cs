using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

/// <summary>actors-brief §1.2 (1), (2), (3), (4): delivery, per-pair FIFO, system messages first, one at a time.</summary>
public class MailboxTests : TestKit.TestKit
{
    private sealed record Msg(int Sender, int Seq);

    private sealed record Done;

    /// <summary>Records the per-sender sequence of every message and reports violations of FIFO order.</summary>
    private sealed class Checker : ReceiveActor
    {
        public Checker(int expected)
        {
            var last = new Dictionary<int, int>();
            var count = 0;
            var violations = 0;
            IActorRef? asker = null;
            Receive<Msg>(m =>
            {
                if (last.TryGetValue(m.Sender, out var prev) && m.Seq != prev + 1)
                {
                    violations++;
                }
                else if (!last.ContainsKey(m.Sender) && m.Seq != 0)
                {
                    violations++;
                }

                last[m.Sender] = m.Seq;
                if (++count == expected && asker is not null)
                {
                    asker.Tell(violations);
                }
            });
            Receive<Done>(_ =>
            {
                asker = Sender;
                if (count == expected)
                {
                    Sender.Tell(violations);
                }
            });
        }
    }

    private sealed class Producer : ReceiveActor
    {
        public Producer(int id, int n, IActorRef target)
        {
            Receive<string>(_ =>
            {
                for (var i = 0; i < n; i++)
                {
                    target.Tell(new Msg(id, i));
                }
            });
        }
    }

    [Fact]
    public void Per_pair_FIFO_holds_for_many_concurrent_senders_property()
    {
        var gen = from senders in Gen.Choose(1, 12)
                  from perSender in Gen.Choose(1, 300)
                  from useThreads in Gen.Elements(true, false)
                  select (senders, perSender, useThreads);
        var run = 0;
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (senders, perSender, useThreads) = t;
            var total = senders * perSender;
            var checker = Sys.ActorOf(Props.Create(() => new Checker(total)), "checker-" + run++);
            if (useThreads)
            {
                // Plain threads as senders (outside actors).
                Parallel.For(0, senders, new ParallelOptions { MaxDegreeOfParallelism = 4 }, s =>
                {
                    for (var i = 0; i < perSender; i++)
                    {
                        checker.Tell(new Msg(s, i), ActorRefs.NoSender);
                    }
                });
            }
            else
            {
                // Actors as senders, all running at once.
                var producers = Enumerable.Range(0, senders)
                    .Select(s => Sys.ActorOf(Props.Create(() => new Producer(s, perSender, checker))))
                    .ToList();
                producers.ForEach(p => p.Tell("go"));
            }

            var violations = checker.Ask<int>(new Done(), Dilated(TimeSpan.FromSeconds(10))).Result;
            Sys.Stop(checker);
            return violations == 0;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true).WithMaxTest(40));
    }

    private sealed class ConcurrencyProbe : ReceiveActor
    {
        public ConcurrencyProbe(int[] state)
        {
            // state[0] = currently inside, state[1] = max seen, state[2] = processed
            Receive<int>(_ =>
            {
                var inside = Interlocked.Increment(ref state[0]);
                if (inside > Volatile.Read(ref state[1]))
                {
                    Volatile.Write(ref state[1], inside);
                }

                Thread.SpinWait(50);
                Interlocked.Increment(ref state[2]);
                Interlocked.Decrement(ref state[0]);
            });
        }
    }

    [Fact]
    public void An_actor_processes_one_message_at_a_time_under_load()
    {
        var state = new int[3];
        var actor = Sys.ActorOf(Props.Create(() => new ConcurrencyProbe(state)));
        const int threads = 4, each = 20_000;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            for (var i = 0; i < each; i++)
            {
                actor.Tell(i, ActorRefs.NoSender);
            }
        });
        AwaitCondition(() => Volatile.Read(ref state[2]) == threads * each, Dilated(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, Volatile.Read(ref state[1]));
    }

    private sealed class Gate : ReceiveActor
    {
        public Gate(ManualResetEventSlim entered, ManualResetEventSlim release, ConcurrentQueue<string> seen)
        {
            Receive<string>(s => s == "block", s =>
            {
                seen.Enqueue(s);
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            });
            Receive<string>(s => seen.Enqueue(s));
        }
    }

    [Fact]
    public void System_messages_overtake_queued_user_messages()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var seen = new ConcurrentQueue<string>();
        var actor = Sys.ActorOf(Props.Create(() => new Gate(entered, release, seen)));
        Watch(actor);
        actor.Tell("block");
        Assert.True(entered.Wait(Dilated(TimeSpan.FromSeconds(3))));
        for (var i = 0; i < 50; i++)
        {
            actor.Tell("m" + i);
        }

        // Stop is a system message: it is handled right after the current message, before the 50 user messages.
        EventFilter.DeadLetter<string>(s => s.StartsWith('m')).Expect(50, () =>
        {
            Sys.Stop(actor);
            release.Set();
            ExpectTerminated(actor);
        });
        Assert.Equal(["block"], seen);
    }

    [Fact]
    public void Bounded_mailbox_drops_counts_and_publishes_overflow()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var seen = new ConcurrentQueue<string>();
        long metric = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (inst, l) =>
        {
            if (inst.Name == "vswarm.mailbox.dropped")
            {
                l.EnableMeasurementEvents(inst);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref metric, v));
        listener.Start();

        var actor = Sys.ActorOf(Props.Create(() => new Gate(entered, release, seen)).WithBoundedMailbox(5));
        actor.Tell("block");
        Assert.True(entered.Wait(Dilated(TimeSpan.FromSeconds(3))));
        var dropped = new ConcurrentQueue<Dropped>();
        using var sub = Sys.EventStream.Subscribe<Dropped>(dropped.Enqueue);
        EventFilter.DeadLetter<string>().Expect(5, () =>
        {
            for (var i = 0; i < 10; i++)
            {
                actor.Tell("m" + i);
            }
        });
        Assert.Equal(5, actor.DroppedMessageCount());
        Assert.Equal(["m5", "m6", "m7", "m8", "m9"], dropped.Select(d => (string)d.Message));
        Assert.All(dropped, d => Assert.Equal(actor, d.Recipient));
        Assert.True(Interlocked.Read(ref metric) >= 5);

        release.Set();
        AwaitCondition(() => seen.Count == 6);
        Assert.Equal(["block", "m0", "m1", "m2", "m3", "m4"], seen);
    }

    [Fact]
    public void Throughput_lets_other_actors_run_on_a_busy_system()
    {
        // Two actors flooded at once both make progress (neither starves the other).
        var s1 = new int[3];
        var s2 = new int[3];
        var a1 = Sys.ActorOf(Props.Create(() => new ConcurrencyProbe(s1)));
        var a2 = Sys.ActorOf(Props.Create(() => new ConcurrencyProbe(s2)));
        for (var i = 0; i < 5000; i++)
        {
            a1.Tell(i, ActorRefs.NoSender);
            a2.Tell(i, ActorRefs.NoSender);
        }

        AwaitCondition(() => Volatile.Read(ref s1[2]) == 5000 && Volatile.Read(ref s2[2]) == 5000, Dilated(TimeSpan.FromSeconds(10)));
    }
}
