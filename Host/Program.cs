using System.CommandLine;
using VSwarm.Host.Commands;

// The `vswarm` command. Exit codes: 0 success, 1 failure, 2 bad input (a flow file with an
// error, an unknown option value), as ovs-ofctl users expect from a syntax error.
var root = new RootCommand("VSwarm: an actor-based, distributed model of the Open vSwitch pipeline")
{
    ParseFlowsCommand.Create(),
    BenchClassifierCommand.Create(),
    ConfigCommand.Create(),
    TraceCommand.Create(),
    SimulateCommand.Create(),
    SflowDecodeCommand.Create(),
    NodeCommand.Create(),
    ClusterCommand.Create(),
    OfctlCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
