using VSwarm.Messages.Dpif;

namespace VSwarm.Actors.Datapath;

/// <summary>
/// The dpif operations a datapath shard answers synchronously (OVS's dpif_operate, one op at a
/// time). <see cref="DatapathShard"/> implements it; handlers' and revalidators' cores produce
/// the messages and consume the replies, and an actor (or a test) carries them in between.
/// </summary>
public interface IDpif
{
    /// <summary>Installed flows (n_flows).</summary>
    int FlowCount { get; }

    /// <summary>FLOW_PUT.</summary>
    DpifReply Put(DpifFlowPut put);

    /// <summary>FLOW_DEL.</summary>
    DpifReply Delete(DpifFlowDel del);

    /// <summary>FLOW_GET.</summary>
    DpifReply Get(DpifFlowGet get);

    /// <summary>One batch of a flow dump.</summary>
    DpifFlowDumpBatch Dump(DpifFlowDumpRequest request);

    /// <summary>EXECUTE.</summary>
    DpifReply Execute(DpifExecute execute);

    /// <summary>Runs any single operation (put, del, get, execute).</summary>
    DpifReply Operate(DpifMessage op) => op switch
    {
        DpifFlowPut p => Put(p),
        DpifFlowDel d => Delete(d),
        DpifFlowGet g => Get(g),
        DpifExecute e => Execute(e),
        _ => new DpifReply(DpifErrno.EOPNOTSUPP),
    };
}
