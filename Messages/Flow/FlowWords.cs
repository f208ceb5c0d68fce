using System.Runtime.CompilerServices;

namespace VSwarm.Messages.Flow;

/// <summary>The fixed array of 64-bit words behind a <see cref="FlowKey"/> or a <see cref="FlowMask"/>.</summary>
[InlineArray(FlowLayout.Words)]
public struct FlowWords
{
    private ulong _element0;
}
