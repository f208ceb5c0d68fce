using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.DecisionTree;
using VSwarm.Messages.Flow;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// One writer applies versioned batches (inserts at version V, removals scheduled at V, then
/// publishes V) and physically removes rules once no reader can use a version that sees them
/// (an RCU-style grace period); readers look up concurrently at the version they started with and
/// must always get exactly the reference's answer for that version — never half a batch.
/// </summary>
public class ClassifierConcurrencyTests
{
    private const long Idle = long.MaxValue;

    /// <remarks>
    /// The decision tree runs with a tiny side table so that the writer's batches force many
    /// rebuilds while readers look up: on a background task that swaps each new tree in while the
    /// writer goes on ("dt"), or on the writer's thread ("dt-sync").
    /// </remarks>
    [Theory]
    [InlineData("tss", 4242)]
    [InlineData("dt", 977)]
    [InlineData("dt-sync", 978)]
    public async Task Readers_see_whole_batches_while_the_writer_changes_rules(string kind, int seed)
    {
        var rng = new Random(seed);
        var pool = RuleGen.Rules(new Scenario(seed, 300, DistinctPriorities: true), rng);
        IClassifier<int> cls = kind switch
        {
            "dt" => new DecisionTreeClassifier<int>(leafSize: 4, sideTableLimit: 6),
            "dt-sync" => new DecisionTreeClassifier<int>(leafSize: 4, sideTableLimit: 6, backgroundRebuild: false),
            _ => new TupleSpaceClassifier<int>(PrefixFields.Ipv4AndIpv6),
        };
        var reference = new LinearClassifier<int>();
        long published = 0;
        const int Readers = 2;
        var slots = new long[Readers];
        Array.Fill(slots, Idle);
        var stop = 0;
        var failures = new List<string>();
        var lookups = 0L;
        var packets = Enumerable.Range(0, 2000).Select(_ => RuleGen.PacketNear(pool, rng)).ToArray();

        var readers = Enumerable.Range(0, Readers).Select(id => Task.Run(() =>
        {
            var r = new Random(id);
            var n = 0L;
            while (Volatile.Read(ref stop) == 0)
            {
                ulong v;
                do
                {
                    v = (ulong)Volatile.Read(ref published);
                    Interlocked.Exchange(ref slots[id], (long)v);
                }
                while ((ulong)Interlocked.Read(ref published) != v);

                for (var k = 0; k < 20; k++)
                {
                    var p = packets[r.Next(packets.Length)];
                    var wc = OfText.InitialWildcards(p);
                    var got = cls.Lookup(p, v, ref wc);
                    var plain = cls.Lookup(p, v);
                    var expected = reference.Lookup(p, v);
                    if (!ReferenceEquals(got, expected) || !ReferenceEquals(plain, expected))
                    {
                        lock (failures)
                        {
                            failures.Add($"v{v}: expected {expected?.Payload} got {got?.Payload}/{plain?.Payload}");
                        }
                    }

                    n++;
                }

                Interlocked.Exchange(ref slots[id], Idle);
            }

            Interlocked.Add(ref lookups, n);
        })).ToArray();

        var live = new List<ClassifierRule<int>>();
        var dying = new List<ClassifierRule<int>>();
        var priority = 1_000_000;
        var batches = 0;
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < deadline || batches < 50)
        {
            var v = (ulong)published + 1;
            for (var i = rng.Next(1, 12); i > 0; i--)
            {
                var src = pool[rng.Next(pool.Count)];
                var rule = new ClassifierRule<int>(src.Match, priority, priority, v);
                priority--;
                cls.Insert(rule);
                reference.Insert(rule);
                live.Add(rule);
            }

            for (var i = rng.Next(0, 10); i > 0 && live.Count > 40; i--)
            {
                var rule = live[rng.Next(live.Count)];
                live.Remove(rule);
                cls.RemoveInVersion(rule, v);
                dying.Add(rule);
            }

            Interlocked.Exchange(ref published, (long)v);
            batches++;

            // Grace period: a rule removed at R can go once every reader uses a version >= R.
            var min = Interlocked.Read(ref published);
            for (var i = 0; i < Readers; i++)
            {
                min = Math.Min(min, Interlocked.Read(ref slots[i]));
            }

            foreach (var rule in dying.Where(r => r.RemoveVersion <= (ulong)min).ToList())
            {
                Assert.True(cls.Remove(rule));
                Assert.True(reference.Remove(rule));
                dying.Remove(rule);
            }

            await Task.Yield();
        }

        Volatile.Write(ref stop, 1);
        await Task.WhenAll(readers);
        Assert.Empty(failures);
        Assert.True(Interlocked.Read(ref lookups) > 1000, $"only {lookups} lookups ran");
        Assert.Equal(live.Count + dying.Count, cls.Count);
    }
}
