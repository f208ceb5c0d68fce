using VSwarm.Runtime;
using VSwarm.Runtime.Event;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Runtime;

public class MessagingTests : TestKit.TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<string>(s => Sender.Tell("echo:" + s));
            Receive<int>(i => Sender.Tell(i + 1, Self));
        }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }

    private sealed class WithArgs : ReceiveActor
    {
        public WithArgs(string prefix, int n) => ReceiveAny(_ => Sender.Tell($"{prefix}-{n}"));
    }

    [Fact]
    public void Tell_from_test_body_uses_TestActor_as_implicit_sender()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>(), "echo");
        echo.Tell("hi");
        ExpectMsg("echo:hi");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create<Echo>());
        var fwd = Sys.ActorOf(Props.Create(() => new Forwarder(echo)));
        fwd.Tell(41);
        ExpectMsg(42);
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void Props_expression_captures_constructor_arguments()
    {
        var prefix = "p";
        var props = Props.Create(() => new WithArgs(prefix, 7));
        prefix = "changed";
        Sys.ActorOf(props).Tell("x");
        ExpectMsg("p-7");
        Assert.Equal(["p", 7], props.Arguments);
    }

    [Fact]
    public void Creating_an_actor_with_new_outside_props_throws()
    {
        Assert.Throws<ActorInitializationException>(() => new Echo());
    }

    [Fact]
    public void Paths_names_and_uids()
    {
        var a = Sys.ActorOf(Props.Create<Echo>(), "a");
        Assert.Equal("vswarm://test/user/a", a.Path.ToString());
        Assert.Equal("/user/a", a.Path.ToStringWithoutAddress());
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<Echo>(), "a"));
        Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create<Echo>(), "$bad"));
        Watch(a);
        Sys.Stop(a);
        ExpectTerminated(a);
        // The name is free again once Terminated was seen; the new incarnation has a new UID.
        AwaitAssert(() =>
        {
            var b = Sys.ActorOf(Props.Create<Echo>(), "a");
            Assert.Equal(a.Path, b.Path);
            Assert.NotEqual(a.Uid, b.Uid);
            Assert.NotEqual(a, b);
        });
    }

    [Fact]
    public void Identify_is_answered_with_ActorIdentity()
    {
        var a = Sys.ActorOf(Props.Create<Echo>(), "ident");
        a.Tell(new Identify(17));
        var id = ExpectMsg<ActorIdentity>();
        Assert.Equal(17, id.MessageId);
        Assert.Equal(a, id.Subject);
    }

    [Fact]
    public async Task ActorSelection_by_absolute_and_relative_path_and_wildcard()
    {
        var parent = Sys.ActorOf(Props.Create<Parent>(), "sel");
        parent.Tell("make");
        ExpectMsg("made");

        Sys.ActorSelection("/user/sel/c1").Tell("hello");
        ExpectMsg("echo:hello");
        Sys.ActorSelection("vswarm://test/user/sel/c2").Tell("x");
        ExpectMsg("echo:x");
        Sys.ActorSelection("/user/sel/c*").Tell(1);
        ExpectMsgAllOf(2, 2);

        var one = await Sys.ActorSelection("/user/sel/c1").ResolveOne(TimeSpan.FromSeconds(1));
        Assert.Equal("c1", one.Path.Name);
        await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/nope").ResolveOne(TimeSpan.FromSeconds(1)));

        Sys.ActorSelection("/user/nope").Tell(new Identify("q"));
        Assert.Null(ExpectMsg<ActorIdentity>().Subject);

        // relative, from inside an actor: ../sel/c2
        parent.Tell("relative");
        ExpectMsg("echo:from-c1");
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<string>(s => s == "make", _ =>
            {
                Context.ActorOf(Props.Create<Echo>(), "c1");
                Context.ActorOf(Props.Create<RelativeSender>(), "c2");
                Sender.Tell("made");
            });
            Receive<string>(s => s == "relative", _ => Context.Child("c2").Forward("go"));
        }
    }

    private sealed class RelativeSender : ReceiveActor
    {
        public RelativeSender()
        {
            Receive<string>(s => s == "go", _ => Context.ActorSelection("../c1").Tell("from-c1", Sender));
            Receive<string>(s => Sender.Tell("echo:" + s));
            Receive<int>(i => Sender.Tell(i + 1));
        }
    }

    [Fact]
    public void Messages_to_a_stopped_actor_become_dead_letters()
    {
        var a = Sys.ActorOf(Props.Create<Echo>());
        Watch(a);
        a.Tell(PoisonPill.Instance);
        ExpectTerminated(a);
        EventFilter.DeadLetter<string>(s => s == "lost").ExpectOne(() => a.Tell("lost"));
    }

    [Fact]
    public void Dead_letters_are_published_on_the_event_stream_and_the_first_ten_logged()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        // Info log lines for dead letters: 10, then quiet.
        EventFilter.Info(contains: "was not delivered").Expect(10, () =>
        {
            for (var i = 0; i < 15; i++)
            {
                Sys.DeadLetters.Tell(i);
            }
        });
        var got = probe.ReceiveN(15).Cast<DeadLetter>().Select(d => (int)d.Message).ToList();
        Assert.Equal(Enumerable.Range(0, 15), got);
        Assert.Equal(TestActor, ((DeadLetter)probe.LastMessage!).Sender);
    }

    [Fact]
    public async Task Dead_letters_are_not_logged_during_shutdown_but_still_published()
    {
        var published = 0;
        using var sub = Sys.EventStream.Subscribe<DeadLetter>(_ => Interlocked.Increment(ref published));
        await Sys.Terminate().WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        EventFilter.Info(contains: "was not delivered").Expect(0, () => Sys.DeadLetters.Tell("late"));
        Assert.Equal(1, Volatile.Read(ref published));
    }

    [Fact]
    public void PoisonPill_is_processed_in_order_after_earlier_messages()
    {
        var a = Sys.ActorOf(Props.Create<Echo>());
        Watch(a);
        a.Tell("1");
        a.Tell("2");
        a.Tell(PoisonPill.Instance);
        a.Tell("3");
        ExpectMsg("echo:1");
        ExpectMsg("echo:2");
        ExpectTerminated(a);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Unhandled_messages_are_published()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var a = Sys.ActorOf(Props.Create<Echo>());
        a.Tell(3.14);
        var u = ExpectMsg<UnhandledMessage>();
        Assert.Equal(3.14, u.Message);
        Assert.Equal(a, u.Recipient);
    }

    [Fact]
    public void EventStream_subscription_by_base_type_works()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Base));
        Sys.EventStream.Publish(new Derived(1));
        Sys.EventStream.Publish("not-a-base");
        ExpectMsg(new Derived(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Sys.EventStream.Unsubscribe(TestActor, typeof(Base));
        Sys.EventStream.Publish(new Derived(2));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private record Base;

    private sealed record Derived(int N) : Base;

    [Fact]
    public async Task Terminate_stops_all_actors_and_completes_WhenTerminated()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Sys.ActorOf(Props.Create(() => new StopLogger(log, "a")));
        Sys.ActorOf(Props.Create(() => new StopLogger(log, "b")));
        await Sys.Terminate().WaitAsync(Dilated(TimeSpan.FromSeconds(5)));
        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        Assert.Equal(["a", "b"], log.Order());
        Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Props.Create<Echo>()));
    }

    private sealed class StopLogger : ReceiveActor
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log;
        private readonly string _name;

        public StopLogger(System.Collections.Concurrent.ConcurrentQueue<string> log, string name)
        {
            _log = log;
            _name = name;
        }

        protected override void PostStop() => _log.Enqueue(_name);
    }
}
