using VSwarm.Messages.Datapath;

namespace VSwarm.Messages.Odp;

/// <summary>ODP text formatting (dpctl/dump-flows syntax).</summary>
public static partial class OdpFormatter
{
    /// <summary>One action.</summary>
    public static string FormatAction(DpAction action) => action?.Kind.ToString() ?? "";

    /// <summary>An action list.</summary>
    public static string FormatActions(DpActions actions) => actions is null || actions.IsDrop ? "drop" : string.Join(",", actions.Select(FormatAction));
}
