using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// A 128-bit unique flow identifier. Formats as a lowercase UUID (8-4-4-4-12) whose hex digits
/// are the 128-bit value from the most significant end, and encodes on the wire as those 16 bytes
/// in that (big-endian) order.
/// </summary>
/// <param name="Value">The 128-bit value.</param>
public readonly record struct Ufid(UInt128 Value) : ISpanFormattable
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 16;

    /// <summary>Reads 16 bytes (big-endian).</summary>
    public static Ufid Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>Writes 16 bytes (big-endian).</summary>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>Parses <c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c> (either case).</summary>
    public static Ufid Parse(string text) =>
        TryParse(text, out var u) ? u : throw new FormatException($"'{text}' is not a UFID (8-4-4-4-12 hex)");

    /// <summary>Parses <c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c> (either case).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ufid ufid)
    {
        ufid = default;
        if (text is null || text.Length != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        {
            return false;
        }

        UInt128 v = 0;
        foreach (var c in text)
        {
            if (c == '-')
            {
                continue;
            }

            var d = HexDigit(c);
            if (d < 0)
            {
                return false;
            }

            v = (v << 4) | (uint)d;
        }

        ufid = new Ufid(v);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<char> buf = stackalloc char[36];
        TryFormat(buf, out _, default, null);
        return new string(buf);
    }

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (destination.Length < 36)
        {
            return false;
        }

        var hex = Value.ToString("x32", CultureInfo.InvariantCulture);
        var j = 0;
        for (var i = 0; i < 32; i++)
        {
            if (i is 8 or 12 or 16 or 20)
            {
                destination[j++] = '-';
            }

            destination[j++] = hex[i];
        }

        charsWritten = 36;
        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
