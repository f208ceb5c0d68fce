using System.Collections;
using System.Globalization;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// An immutable byte string with value equality (content comparison), for packet bytes and
/// userdata carried in records. The default value is the empty string.
/// </summary>
public readonly struct ByteBlob : IEquatable<ByteBlob>, IReadOnlyList<byte>
{
    private readonly byte[]? _bytes;

    /// <summary>Copies the bytes.</summary>
    public ByteBlob(ReadOnlySpan<byte> bytes) => _bytes = bytes.IsEmpty ? null : bytes.ToArray();

    private ByteBlob(byte[] owned, bool _) => _bytes = owned.Length == 0 ? null : owned;

    /// <summary>The empty byte string.</summary>
    public static ByteBlob Empty => default;

    /// <summary>Takes ownership of an array (the caller must not change it afterwards).</summary>
    public static ByteBlob FromOwned(byte[] bytes) => new(bytes ?? throw new ArgumentNullException(nameof(bytes)), true);

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>Number of bytes.</summary>
    public int Length => _bytes?.Length ?? 0;

    /// <inheritdoc/>
    public int Count => Length;

    /// <inheritdoc/>
    public byte this[int index] => Span[index];

    /// <summary>Parses lowercase or uppercase hex digits (no separators).</summary>
    public static ByteBlob FromHex(string hex) => FromOwned(Convert.FromHexString(hex));

    /// <summary>Lowercase hex of the bytes.</summary>
    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <inheritdoc/>
    public bool Equals(ByteBlob other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ByteBlob b && Equals(b);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = default(HashCode);
        h.AddBytes(Span);
        return h.ToHashCode();
    }

    /// <summary>Content equality.</summary>
    public static bool operator ==(ByteBlob left, ByteBlob right) => left.Equals(right);

    /// <summary>Content inequality.</summary>
    public static bool operator !=(ByteBlob left, ByteBlob right) => !left.Equals(right);

    /// <inheritdoc/>
    public IEnumerator<byte> GetEnumerator() => ((IEnumerable<byte>)(_bytes ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => Length.ToString(CultureInfo.InvariantCulture) + ":" + ToHex();
}
