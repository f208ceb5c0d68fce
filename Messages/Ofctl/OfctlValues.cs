using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VSwarm.Messages.Ofctl;

/// <summary>
/// Value syntaxes of ovs-ofctl text: integers (decimal or 0x hex), Ethernet, IPv4 and IPv6
/// addresses, all as host-order integers whose most significant bit is the first bit on the wire
/// (the flow layout's convention).
/// </summary>
public static class OfctlValues
{
    /// <summary>Parses a decimal or 0x-prefixed hexadecimal unsigned integer of up to 128 bits.</summary>
    public static bool TryParseUInt(ReadOnlySpan<char> s, out UInt128 value)
    {
        value = 0;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            s = s[2..];
            if (s.IsEmpty || s.Length > 32)
            {
                return false;
            }

            foreach (var c in s)
            {
                var d = HexDigit(c);
                if (d < 0)
                {
                    return false;
                }

                value = (value << 4) | (uint)d;
            }

            return true;
        }

        return !s.IsEmpty && s[0] is >= '0' and <= '9'
            && UInt128.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Parses xx:xx:xx:xx:xx:xx (one or two hex digits per byte).</summary>
    public static bool TryParseMac(ReadOnlySpan<char> s, out ulong mac)
    {
        mac = 0;
        var parts = 0;
        foreach (var range in s.Split(':'))
        {
            var p = s[range];
            if (p.Length is < 1 or > 2 || parts == 6)
            {
                return false;
            }

            var b = 0;
            foreach (var c in p)
            {
                var d = HexDigit(c);
                if (d < 0)
                {
                    return false;
                }

                b = b * 16 + d;
            }

            mac = (mac << 8) | (uint)b;
            parts++;
        }

        return parts == 6;
    }

    /// <summary>Formats a 48-bit Ethernet address as lowercase xx:xx:xx:xx:xx:xx.</summary>
    public static string FormatMac(ulong mac) => string.Create(CultureInfo.InvariantCulture,
        $"{(mac >> 40) & 0xff:x2}:{(mac >> 32) & 0xff:x2}:{(mac >> 24) & 0xff:x2}:{(mac >> 16) & 0xff:x2}:{(mac >> 8) & 0xff:x2}:{mac & 0xff:x2}");

    /// <summary>Parses a strict dotted quad (four decimal parts 0..255).</summary>
    public static bool TryParseIpv4(ReadOnlySpan<char> s, out uint ip)
    {
        ip = 0;
        var parts = 0;
        foreach (var range in s.Split('.'))
        {
            var p = s[range];
            if (parts == 4 || p.Length is < 1 or > 3 || !uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var b) || b > 255)
            {
                return false;
            }

            ip = (ip << 8) | b;
            parts++;
        }

        return parts == 4;
    }

    /// <summary>Formats an IPv4 address as a dotted quad.</summary>
    public static string FormatIpv4(uint ip) => string.Create(CultureInfo.InvariantCulture,
        $"{ip >> 24}.{(ip >> 16) & 0xff}.{(ip >> 8) & 0xff}.{ip & 0xff}");

    /// <summary>Parses IPv6 address text (no zone index).</summary>
    public static bool TryParseIpv6(ReadOnlySpan<char> s, out UInt128 ip)
    {
        ip = 0;
        if (s.IndexOf(':') < 0 || s.IndexOf('%') >= 0 || s.IndexOf('[') >= 0 || s.IndexOf('/') >= 0
            || !IPAddress.TryParse(s, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out _);
        ip = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b[8..]));
        return true;
    }

    /// <summary>
    /// Formats an IPv6 address as inet_ntop does (RFC 5952 compression of the longest run of
    /// zero groups, lowercase; ::a.b.c.d and ::ffff:a.b.c.d for IPv4-compatible/mapped forms).
    /// </summary>
    public static string FormatIpv6(UInt128 ip)
    {
        Span<ushort> w = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
        {
            w[i] = (ushort)(ip >> (112 - (16 * i)));
        }

        int bestBase = -1, bestLen = 0;
        for (var i = 0; i < 8;)
        {
            if (w[i] != 0)
            {
                i++;
                continue;
            }

            var j = i;
            while (j < 8 && w[j] == 0)
            {
                j++;
            }

            if (j - i > bestLen)
            {
                bestBase = i;
                bestLen = j - i;
            }

            i = j;
        }

        if (bestLen < 2)
        {
            bestBase = -1;
        }

        if (bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)))
        {
            return (bestLen == 5 ? "::ffff:" : "::") + FormatIpv4((uint)ip);
        }

        var sb = new StringBuilder(40);
        for (var i = 0; i < 8; i++)
        {
            if (i == bestBase)
            {
                sb.Append("::");
                i += bestLen - 1;
                continue;
            }

            if (sb.Length > 0 && sb[^1] != ':')
            {
                sb.Append(':');
            }

            sb.Append(w[i].ToString("x", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>C's <c>%#x</c>: "0" for zero, else 0x-prefixed lowercase hex.</summary>
    public static string HashHex(UInt128 v) => v == 0 ? "0" : "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>"0x" + lowercase hex, also for zero ("0x0").</summary>
    public static string Hex(UInt128 v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Decimal text.</summary>
    public static string Dec(UInt128 v) => v.ToString(CultureInfo.InvariantCulture);

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
