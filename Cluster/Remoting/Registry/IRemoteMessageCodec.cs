using VSwarm.Messages.Netlink;

namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// Encodes and decodes one kind of message that may cross a node link, in its own netlink encoding
/// (Akka's <c>SerializerWithStringManifest</c> entry, but with a numeric id and no .NET type names on
/// the wire). Decoding untrusted bytes must throw only <see cref="DpifDecodeException"/> or
/// <see cref="Wire.LinkFrameException"/>.
/// </summary>
public interface IRemoteMessageCodec
{
    /// <summary>The id on the wire (VS_ENV_TYPE_ID).</summary>
    ushort TypeId { get; }

    /// <summary>A short name for logs and docs.</summary>
    string Name { get; }

    /// <summary>The concrete .NET types this codec encodes (exact types; no subclass lookup at send time).</summary>
    IReadOnlyList<Type> MessageTypes { get; }

    /// <summary>Appends the message's netlink encoding to <paramref name="writer"/>.</summary>
    void Encode(object message, NetlinkWriter writer);

    /// <summary>Decodes a payload produced by <see cref="Encode"/>.</summary>
    object Decode(ReadOnlySpan<byte> payload);
}
