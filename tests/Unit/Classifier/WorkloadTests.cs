using VSwarm.Actors.Classifier;
using VSwarm.Actors.Classifier.ClassBench;
using VSwarm.Actors.Classifier.Workloads;
using Xunit;

namespace VSwarm.Tests.Unit.Classifier;

public class WorkloadTests
{
    [Theory]
    [InlineData(1000, 1, 10, 123_620, 876_380)]
    [InlineData(1000, 1000, 10, 123_154, 876_846)]
    [InlineData(1000, 1, 5, 111_509, 888_491)]
    [InlineData(10000, 1, 1, 687_001, 312_999)]
    [InlineData(10000, 1, 10, 688_198, 311_802)]
    [InlineData(10000, 1000, 50, 708_724, 291_276)]
    public void Ovs_benchmark_port_reproduces_ovs_hits_and_misses(int rules, int priorities, int subtables, int hits, int misses)
    {
        var w = OvsClassifierBenchmark.Build(rules, priorities, subtables);
        Assert.Equal((hits, misses), w.Run(1_000_000, useWildcards: false));
        Assert.Equal((hits, misses), w.Run(1_000_000, useWildcards: true));
        Assert.Equal(1, w.Classifier.SubtableCount);
    }

    [Theory]
    [InlineData(0, 65535, "0/0x0")]
    [InlineData(80, 80, "80/0xffff")]
    [InlineData(80, 95, "80/0xfff0")]
    [InlineData(1024, 65535, "1024/0xfc00,2048/0xf800,4096/0xf000,8192/0xe000,16384/0xc000,32768/0x8000")]
    [InlineData(0, 1023, "0/0xfc00")]
    [InlineData(1, 6, "1/0xffff,2/0xfffe,4/0xfffe,6/0xffff")]
    public void Port_ranges_become_minimal_aligned_blocks(int lo, int hi, string expected)
    {
        var blocks = ClassBenchReader.RangeToMasks((ushort)lo, (ushort)hi);
        Assert.Equal(expected, string.Join(",", blocks.Select(b => $"{b.Value}/0x{b.Mask:x}")));
    }

    [Fact]
    public void Reads_both_rule_formats_and_traces_and_agrees_with_first_match()
    {
        const string Song = "@10.1.0.0/16 192.168.1.0/24 0 : 65535 80 : 95 0x06/0xFF\n"
            + "@10.0.0.0/8 0.0.0.0/0 1024 : 65535 0 : 65535 0x11/0xFF\n"
            + "@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x00/0x00\n";
        const string Std = "@10.1.0.0/16\t192.168.1.0/24\t0 : 65535\t80 : 95\t0x06/0xFF\t0x0000/0x0200\t\r\n";
        var song = ClassBenchReader.ReadRules(new StringReader(Song));
        var std = ClassBenchReader.ReadRules(new StringReader(Std));
        Assert.Equal(3, song.Count);
        Assert.Equal(0x0A010000u, song[0].Src);
        Assert.Equal(24, song[0].DstLen);
        Assert.Equal((ushort)0x200, std[0].FlagsMask);
        Assert.Equal(song[0] with { FlagsMask = 0x200 }, std[0]);

        var rules = ClassBenchReader.ToClassifierRules(song);
        Assert.Equal(1 + 6 + 1, rules.Count); // 80-95 is one block, 1024-65535 six
        Assert.Equal(3, rules[0].Priority);
        var tss = new TupleSpaceClassifier<int>();
        foreach (var r in rules)
        {
            tss.Insert(r);
        }

        const string Trace = "167837953 3232235777 1000 90 6 1\n167837953 3232235777 1000 96 6 3\n167837953 3232235777 2000 96 17 2\n";
        foreach (var p in ClassBenchReader.ReadTrace(new StringReader(Trace)))
        {
            var first = song.Select((r, i) => (r, i)).First(x => x.r.Matches(p)).i;
            Assert.Equal(p.Match - 1, first);
            var wc = default(VSwarm.Messages.Flow.FlowMask);
            Assert.Equal(first, tss.Lookup(p.ToFlowKey(), 0, ref wc)!.Payload);
        }
    }
}
