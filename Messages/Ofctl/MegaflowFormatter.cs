using System.Text;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Messages.Ofctl;

/// <summary>
/// The text of an OVS 3.1 <c>ofproto/trace</c> "Megaflow:" line (without the "Megaflow: "
/// prefix): OVS's match_format of (key AND mask, mask) with OpenFlow port numbers, the default
/// priority suppressed, and the packet type always shown as <c>eth</c> (every VSwarm packet is
/// Ethernet, and a megaflow always matches packet_type). Example:
/// <c>recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_dst=0x40/0xfff0</c>.
/// </summary>
public static class MegaflowFormatter
{
    /// <summary>Formats a megaflow match.</summary>
    public static string Format(in Match megaflow)
    {
        var sb = new StringBuilder(96);
        MatchText.Append(sb, megaflow, OpenFlowRule.DefaultPriority, megaflow: true);
        return sb.ToString();
    }
}
