using VSwarm.Messages.Flow;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// Reinterprets a mask as a key and back (same words), so that the typed accessors of
/// <see cref="FlowKey"/> (DlType, TpSrc...) can read and write mask bits.
/// </summary>
public static class FlowBits
{
    /// <summary>The mask's words as a key.</summary>
    public static FlowKey AsKey(this in FlowMask mask)
    {
        var k = default(FlowKey);
        mask.ReadOnlyWords.CopyTo(k.Words);
        return k;
    }

    /// <summary>The key's words as a mask.</summary>
    public static FlowMask AsMask(this in FlowKey key)
    {
        var m = default(FlowMask);
        key.ReadOnlyWords.CopyTo(m.Words);
        return m;
    }
}
