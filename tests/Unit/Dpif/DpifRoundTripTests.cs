using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Dpif;
using VSwarm.Tests.Unit.Datapath;
using Xunit;

namespace VSwarm.Tests.Unit.Dpif;

public class DpifRoundTripTests
{
    private static void RoundTrips<T>(Func<Random, T> gen)
        where T : DpifMessage =>
        Prop.ForAll(DpGen.Arb(gen), m =>
        {
            var bytes = m.ToNetlink(seq: 7, pid: 99);
            var back = DpifCodec.Decode(bytes, out var h);
            Assert.Equal(m, back);
            Assert.Equal(7u, h.Seq);
            Assert.Equal(99u, h.Pid);
        }).Check(DpGen.Quick);

    [Fact] public void Upcall_round_trips() => RoundTrips(DpGen.Upcall);

    [Fact] public void FlowPut_round_trips() => RoundTrips(DpGen.FlowPut);

    [Fact] public void FlowDel_round_trips() => RoundTrips(DpGen.FlowDel);

    [Fact] public void FlowGet_round_trips() => RoundTrips(DpGen.FlowGet);

    [Fact] public void FlowDumpRequest_round_trips() => RoundTrips(DpGen.DumpRequest);

    [Fact] public void FlowDumpBatch_round_trips() => RoundTrips(DpGen.DumpBatch);

    [Fact] public void Execute_round_trips() => RoundTrips(DpGen.Execute);

    [Fact] public void Reply_round_trips() => RoundTrips(DpGen.Reply);

    [Fact]
    public void Encoding_is_stable_across_a_round_trip() =>
        Prop.ForAll(DpGen.Arb(DpGen.Message), m =>
        {
            var bytes = m.ToNetlink();
            Assert.Equal(bytes, DpifCodec.Decode(bytes).ToNetlink());
            Assert.Equal(0, bytes.Length % 4);
        }).Check(DpGen.Quick);
}
