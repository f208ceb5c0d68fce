using System.Collections.Frozen;

namespace VSwarm.Cluster.Remoting.Registry;

/// <summary>
/// The closed registry of message types that may cross a node link: type id ↔ codec, fixed when
/// built (Akka's <c>serialization-identifiers</c> for its own messages; Hyperion's "any CLR type"
/// is what this avoids). A message whose exact type is not registered is not sent: it goes to dead
/// letters on the sending node with an error naming the type.
/// Ids 1–0xff are VSwarm's built-ins (<see cref="Default"/>); 0x100 and up are for cluster
/// subsystems that add their own messages through <see cref="Builder"/>.
/// </summary>
public sealed class RemoteMessageRegistry
{
    private readonly FrozenDictionary<Type, IRemoteMessageCodec> _byType;
    private readonly FrozenDictionary<ushort, IRemoteMessageCodec> _byId;

    private RemoteMessageRegistry(IEnumerable<IRemoteMessageCodec> codecs)
    {
        var byType = new Dictionary<Type, IRemoteMessageCodec>();
        var byId = new Dictionary<ushort, IRemoteMessageCodec>();
        foreach (var c in codecs)
        {
            if (c.TypeId == 0)
            {
                throw new ArgumentException($"codec {c.Name}: type id 0 is reserved");
            }

            if (!byId.TryAdd(c.TypeId, c))
            {
                throw new ArgumentException($"codec {c.Name}: type id {c.TypeId} is already used by {byId[c.TypeId].Name}");
            }

            foreach (var t in c.MessageTypes)
            {
                if (!byType.TryAdd(t, c))
                {
                    throw new ArgumentException($"codec {c.Name}: type {t.Name} is already registered with {byType[t].Name}");
                }
            }
        }

        _byType = byType.ToFrozenDictionary();
        _byId = byId.ToFrozenDictionary();
    }

    /// <summary>VSwarm's built-in messages: dpif messages, PacketsIn, PacketsOut, ClusterPing/Pong.</summary>
    public static RemoteMessageRegistry Default { get; } = new Builder().Build();

    /// <summary>All codecs, by id.</summary>
    public IEnumerable<IRemoteMessageCodec> Codecs => _byId.Values.OrderBy(c => c.TypeId);

    /// <summary>The codec for the message's exact type, or null when it may not cross a link.</summary>
    public IRemoteMessageCodec? ForMessage(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _byType.GetValueOrDefault(message.GetType());
    }

    /// <summary>The codec with this wire id, or null for an id this node does not know.</summary>
    public IRemoteMessageCodec? ForId(ushort typeId) => _byId.GetValueOrDefault(typeId);

    /// <summary>Collects codecs: the built-ins first, then any added; <see cref="Build"/> closes the set.</summary>
    public sealed class Builder
    {
        private readonly List<IRemoteMessageCodec> _codecs =
        [
            new DpifMessageCodec(),
            new PacketsInCodec(),
            new PacketsOutCodec(),
            new ClusterPingCodec(),
            new ClusterPongCodec(),
        ];

        /// <summary>Adds a codec (ids from 0x100 up are free for cluster subsystems).</summary>
        public Builder Add(IRemoteMessageCodec codec)
        {
            ArgumentNullException.ThrowIfNull(codec);
            _codecs.Add(codec);
            return this;
        }

        /// <summary>The closed registry; throws on duplicate ids or types.</summary>
        public RemoteMessageRegistry Build() => new(_codecs);
    }
}
