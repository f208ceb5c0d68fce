using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace VSwarm.Messages.Flow;

/// <summary>
/// The header fields of a packet plus its metadata, as OVS's struct flow, laid out in the words of
/// <see cref="FlowLayout"/>. A mutable value type: copy it, set fields, compare and hash it under a
/// <see cref="FlowMask"/>.
/// </summary>
public struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>nw_frag bit: the packet is an IP fragment (first or later).</summary>
    public const byte FragAny = 1;

    /// <summary>nw_frag bit: the packet is a later fragment (offset != 0), which has no L4 header.</summary>
    public const byte FragLater = 2;

    /// <summary>VLAN TCI bit that OVS uses to say "a tag is present" (the CFI/DEI bit).</summary>
    public const ushort VlanCfi = 0x1000;

    private FlowWords _words;

    /// <summary>The words of the key, writable.</summary>
    [UnscopedRef]
    public Span<ulong> Words => _words;

    /// <summary>The words of the key.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<ulong> ReadOnlyWords => _words;

    /// <summary>The value of any field.</summary>
    public readonly UInt128 Get(FlowField field) => field.Read(ReadOnlyWords);

    /// <summary>Sets any field (bits above its width are ignored).</summary>
    public void Set(FlowField field, UInt128 value) => field.Write(Words, value);

#pragma warning disable CA1822 // field accessors are instance members by design
    /// <summary>recirc_id.</summary>
    public uint RecircId { readonly get => (uint)(_words[0] >> 32); set => _words[0] = (_words[0] & 0xFFFF_FFFFUL) | ((ulong)value << 32); }

    /// <summary>in_port.</summary>
    public uint InPort { readonly get => (uint)_words[0]; set => _words[0] = (_words[0] & 0xFFFF_FFFF_0000_0000UL) | value; }

    /// <summary>OpenFlow metadata.</summary>
    public ulong Metadata { readonly get => _words[1]; set => _words[1] = value; }

    /// <summary>Ethernet destination, 48 bits.</summary>
    public ulong DlDst { readonly get => _words[6] >> 16; set => _words[6] = (_words[6] & 0xFFFF) | (value << 16); }

    /// <summary>Outer VLAN TCI (CFI set when tagged).</summary>
    public ushort VlanTci { readonly get => (ushort)_words[6]; set => _words[6] = (_words[6] & ~0xFFFFUL) | value; }

    /// <summary>Ethernet source, 48 bits.</summary>
    public ulong DlSrc { readonly get => _words[7] >> 16; set => _words[7] = (_words[7] & 0xFFFF) | (value << 16); }

    /// <summary>Ethertype.</summary>
    public ushort DlType { readonly get => (ushort)_words[7]; set => _words[7] = (_words[7] & ~0xFFFFUL) | value; }

    /// <summary>IPv4 source / ARP SPA.</summary>
    public uint NwSrc { readonly get => (uint)(_words[8] >> 32); set => _words[8] = (_words[8] & 0xFFFF_FFFFUL) | ((ulong)value << 32); }

    /// <summary>IPv4 destination / ARP TPA.</summary>
    public uint NwDst { readonly get => (uint)_words[8]; set => _words[8] = (_words[8] & 0xFFFF_FFFF_0000_0000UL) | value; }

    /// <summary>IPv6 source.</summary>
    public UInt128 Ipv6Src { readonly get => new(_words[9], _words[10]); set { _words[9] = (ulong)(value >> 64); _words[10] = (ulong)value; } }

    /// <summary>IPv6 destination.</summary>
    public UInt128 Ipv6Dst { readonly get => new(_words[11], _words[12]); set { _words[11] = (ulong)(value >> 64); _words[12] = (ulong)value; } }

    /// <summary>IP protocol / ARP opcode.</summary>
    public byte NwProto { readonly get => (byte)(_words[13] >> 56); set => SetByte(13, 56, value); }

    /// <summary>IP TOS byte (DSCP and ECN).</summary>
    public byte NwTos { readonly get => (byte)(_words[13] >> 48); set => SetByte(13, 48, value); }

    /// <summary>IP TTL / hop limit.</summary>
    public byte NwTtl { readonly get => (byte)(_words[13] >> 40); set => SetByte(13, 40, value); }

    /// <summary>Fragment bits (<see cref="FragAny"/>, <see cref="FragLater"/>).</summary>
    public byte NwFrag { readonly get => (byte)(_words[13] >> 32); set => SetByte(13, 32, value); }

    /// <summary>IPv6 flow label.</summary>
    public uint Ipv6Label { readonly get => (uint)_words[13]; set => _words[13] = (_words[13] & 0xFFFF_FFFF_0000_0000UL) | value; }

    /// <summary>ND target.</summary>
    public UInt128 NdTarget { readonly get => new(_words[14], _words[15]); set { _words[14] = (ulong)(value >> 64); _words[15] = (ulong)value; } }

    /// <summary>ARP SHA / ND SLL, 48 bits.</summary>
    public ulong ArpSha { readonly get => _words[16] >> 16; set => _words[16] = (_words[16] & 0xFFFF) | (value << 16); }

    /// <summary>TCP flags.</summary>
    public ushort TcpFlags { readonly get => (ushort)_words[16]; set => _words[16] = (_words[16] & ~0xFFFFUL) | value; }

    /// <summary>ARP THA / ND TLL, 48 bits.</summary>
    public ulong ArpTha { readonly get => _words[17] >> 16; set => _words[17] = (_words[17] & 0xFFFF) | (value << 16); }

    /// <summary>L4 source port (ICMP type).</summary>
    public ushort TpSrc { readonly get => (ushort)(_words[18] >> 48); set => _words[18] = (_words[18] & ~(0xFFFFUL << 48)) | ((ulong)value << 48); }

    /// <summary>L4 destination port (ICMP code).</summary>
    public ushort TpDst { readonly get => (ushort)(_words[18] >> 32); set => _words[18] = (_words[18] & ~(0xFFFFUL << 32)) | ((ulong)value << 32); }
#pragma warning restore CA1822

    /// <summary>Register regN (0..7).</summary>
    public readonly uint GetReg(int n) => (uint)FlowFields.Regs[n].Read(ReadOnlyWords);

    /// <summary>Sets register regN (0..7).</summary>
    public void SetReg(int n, uint value) => FlowFields.Regs[n].Write(Words, value);

    /// <summary>The 32-bit ports word tp_src&lt;&lt;16 | tp_dst (OVS's ports trie value, host order).</summary>
    public readonly uint PortsWord => (uint)(_words[FlowLayout.PortsWord] >> 32);

    /// <summary>This key with every bit the mask wildcards set to zero.</summary>
    public readonly FlowKey Masked(in FlowMask mask)
    {
        var r = default(FlowKey);
        var src = ReadOnlyWords;
        var m = mask.ReadOnlyWords;
        var dst = r.Words;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            dst[i] = src[i] & m[i];
        }

        return r;
    }

    /// <summary>True when this key and <paramref name="other"/> agree on every bit the mask matches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool MaskedEquals(in FlowKey other, in FlowMask mask) =>
        FlowWordOps.MaskedEquals(ReadOnlyWords, other.ReadOnlyWords, mask.ReadOnlyWords);

    /// <summary>Hash of the key under a mask (all words), finished.</summary>
    public readonly ulong MaskedHash(in FlowMask mask, ulong basis = 0) =>
        FlowWordOps.Finish(FlowWordOps.MaskedHash(ReadOnlyWords, mask.ReadOnlyWords, 0, FlowLayout.Words, basis));

    /// <inheritdoc/>
    public readonly bool Equals(FlowKey other) => ReadOnlyWords.SequenceEqual(other.ReadOnlyWords);

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => (int)FlowWordOps.Finish(FlowWordOps.MaskedHash(ReadOnlyWords, FlowMask.Exact.ReadOnlyWords, 0, FlowLayout.Words, 0));

    /// <summary>Equality of all words.</summary>
    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    /// <summary>Inequality of some word.</summary>
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    /// <summary>A debugging rendering: every non-zero field as name=0xvalue.</summary>
    public override readonly string ToString()
    {
        var sb = new StringBuilder();
        foreach (var f in FlowFields.All)
        {
            var v = Get(f);
            if (v != UInt128.Zero)
            {
                sb.Append(sb.Length == 0 ? "" : ",").Append(f.Name).Append("=0x").Append(v.ToString("x", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private void SetByte(int word, int shift, byte value) =>
        _words[word] = (_words[word] & ~(0xFFUL << shift)) | ((ulong)value << shift);
}
