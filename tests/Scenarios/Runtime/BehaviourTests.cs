using System.Collections.Concurrent;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

/// <summary>Become/Unbecome, Stash, ReceiveAsync (actors-brief §1.2 (5)), handler order.</summary>
public class BehaviourTests : TestKit.TestKit
{
    private sealed class Switch : ReceiveActor
    {
        public Switch()
        {
            Off();
        }

        private void Off()
        {
            Receive<string>(s => s == "on", _ => Become(On));
            Receive<string>(s => s == "push", _ => BecomeStacked(Pushed));
            Receive<string>(s => Sender.Tell("off:" + s));
        }

        private void On()
        {
            Receive<string>(s => s == "off", _ => Become(Off));
            Receive<string>(s => Sender.Tell("on:" + s));
        }

        private void Pushed()
        {
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
            Receive<string>(s => Sender.Tell("pushed:" + s));
        }
    }

    [Fact]
    public void Become_and_BecomeStacked_UnbecomeStacked()
    {
        var a = Sys.ActorOf(Props.Create<Switch>());
        a.Tell("x");
        ExpectMsg("off:x");
        a.Tell("on");
        a.Tell("x");
        ExpectMsg("on:x");
        a.Tell("off");
        a.Tell("push");
        a.Tell("x");
        ExpectMsg("pushed:x");
        a.Tell("pop");
        a.Tell("x");
        ExpectMsg("off:x");
    }

    private sealed class Ordered : ReceiveActor
    {
        public Ordered()
        {
            Receive<int>(i => i > 10, i => Sender.Tell("big"));
            Receive<int>(i =>
            {
                if (i == 5)
                {
                    return false; // pass on
                }

                Sender.Tell("int");
                return true;
            });
            ReceiveAny(o => Sender.Tell("any:" + o));
        }
    }

    [Fact]
    public void Handlers_are_tried_in_registration_order_first_match_wins()
    {
        var a = Sys.ActorOf(Props.Create<Ordered>());
        a.Tell(11);
        a.Tell(1);
        a.Tell(5);
        a.Tell("s");
        ExpectMsg("big");
        ExpectMsg("int");
        ExpectMsg("any:5");
        ExpectMsg("any:s");
    }

    private sealed class Stasher : ReceiveActor, IWithUnboundedStash
    {
        public IStash Stash { get; set; } = null!;

        public Stasher()
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(Open);
                Stash.UnstashAll();
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("stash-fail"));
            Receive<string>(_ => Stash.Stash());
        }

        private void Open()
        {
            Receive<string>(s => Sender.Tell("open:" + s));
        }
    }

    [Fact]
    public void Stash_and_UnstashAll_keep_order_before_newer_messages()
    {
        var a = Sys.ActorOf(Props.Create<Stasher>());
        a.Tell("a");
        a.Tell("b");
        a.Tell("open");
        a.Tell("c");
        ExpectMsg("open:a");
        ExpectMsg("open:b");
        ExpectMsg("open:c");
    }

    [Fact]
    public void Stash_is_prepended_to_the_mailbox_on_restart()
    {
        var a = Sys.ActorOf(Props.Create<Stasher>());
        a.Tell("a");
        a.Tell("b");
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => a.Tell("fail"));
        // The new instance stashes a and b again (it starts closed), then opens.
        a.Tell("open");
        ExpectMsg("open:a");
        ExpectMsg("open:b");
    }

    private sealed class AsyncActor : ReceiveActor
    {
        public AsyncActor(ConcurrentQueue<string> log, TaskCompletionSource gate)
        {
            ReceiveAsync<string>(s => s.StartsWith("slow", StringComparison.Ordinal), async s =>
            {
                log.Enqueue("start:" + s);
                var sender = Sender;
                await gate.Task;
                await Task.Yield();
                // Continuations run as the actor: Self and Sender still work.
                log.Enqueue("end:" + s);
                Assert.Equal(sender, Sender);
                Sender.Tell("done:" + s, Self);
            });
            ReceiveAsync<string>(s => s == "async-fail", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async boom");
            });
            Receive<string>(s =>
            {
                log.Enqueue("sync:" + s);
                Sender.Tell("sync:" + s);
            });
        }
    }

    [Fact]
    public void ReceiveAsync_does_not_interleave_with_other_messages()
    {
        var log = new ConcurrentQueue<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = Sys.ActorOf(Props.Create(() => new AsyncActor(log, gate)));
        a.Tell("slow1");
        a.Tell("x");
        a.Tell("slow2");
        AwaitCondition(() => log.Contains("start:slow1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // "x" waits for slow1
        gate.SetResult();
        ExpectMsg("done:slow1");
        Assert.Equal(a, LastSender);
        ExpectMsg("sync:x");
        ExpectMsg("done:slow2");
        Assert.Equal(["start:slow1", "end:slow1", "sync:x", "start:slow2", "end:slow2"], log);
    }

    [Fact]
    public void A_faulted_ReceiveAsync_task_is_an_actor_failure()
    {
        var a = Sys.ActorOf(Props.Create(() => new AsyncActor(new ConcurrentQueue<string>(), new TaskCompletionSource())));
        EventFilter.Exception<InvalidOperationException>(contains: "async boom").ExpectOne(() => a.Tell("async-fail"));
        a.Tell("after");
        ExpectMsg("sync:after");
    }
}
