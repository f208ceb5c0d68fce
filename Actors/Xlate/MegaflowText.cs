using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;

namespace VSwarm.Actors.Xlate;

/// <summary>The <c>Megaflow:</c> text of a translation, exactly as OVS 3.1's ofproto/trace prints it.</summary>
public static class MegaflowText
{
    /// <summary>
    /// <see cref="MegaflowFormatter.Format"/> of (packet, mask), with one OVS detail the flow layout
    /// cannot carry: an ipv6_label made exact by an action prints with its 20-bit mask.
    /// </summary>
    public static string Format(in FlowKey packet, XlateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = MegaflowFormatter.Format(new Match(packet, result.Wildcards));
        if (!result.Ipv6LabelWritten)
        {
            return text;
        }

        var i = text.IndexOf("ipv6_label=0x", StringComparison.Ordinal);
        if (i < 0)
        {
            return text;
        }

        var end = text.IndexOfAny([',', '/'], i + 13);
        end = end < 0 ? text.Length : end;
        return end < text.Length && text[end] == '/' ? text : text.Insert(end, "/0xfffff");
    }
}
