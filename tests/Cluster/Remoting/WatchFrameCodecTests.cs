using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Remoting.Wire;
using Xunit;

namespace VSwarm.Tests.Cluster.Remoting;

/// <summary>The remote DeathWatch frames: WATCH, UNWATCH, DEATHWATCH_NOTIFICATION.</summary>
public class WatchFrameCodecTests
{
    private static LinkFrame WatchKind(Random r) => r.Next(3) switch
    {
        0 => new WatchFrame(FrameGen.Path(r), FrameGen.Path(r)),
        1 => new UnwatchFrame(FrameGen.Path(r), FrameGen.Path(r)),
        _ => new DeathWatchNotificationFrame(FrameGen.Path(r), FrameGen.Path(r), r.Next(2) == 0),
    };

    [Fact]
    public void Watch_frames_round_trip_with_their_exact_size() =>
        Prop.ForAll(FrameGen.Arb(WatchKind), f =>
        {
            var bytes = FrameGen.Encode(f, 9);
            Assert.Equal(LinkFrameCodec.Measure(f), bytes.Length);
            Assert.Equal(0, bytes.Length % 4);
            var back = LinkFrameCodec.Decode(bytes, out var seq);
            Assert.Equal(9u, seq);
            Assert.Equal(f, back);
        }).Check(FrameGen.Quick);

    [Fact]
    public void Notification_layout_is_actor_watcher_then_the_existence_flag()
    {
        var f = new DeathWatchNotificationFrame("vswarm://b/user/x", "vswarm://a/user/w", ExistenceConfirmed: true);
        var b = FrameGen.Encode(f);
        Assert.Equal(0x7613, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        Assert.Equal(16 + 24 + 24 + 4, b.Length); // two attributes of 4 + 18 bytes padded to 24, an empty flag
        Assert.Equal((ushort)(4 + 18), BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(16)));
        Assert.Equal(LinkNetlink.AttrWatchee, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(18)));
        Assert.Equal("vswarm://b/user/x", Encoding.UTF8.GetString(b, 20, 17));
        Assert.Equal(LinkNetlink.AttrWatcher, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(42)));
        Assert.Equal((ushort)4, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(64)));
        Assert.Equal(LinkNetlink.AttrExistenceConfirmed, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(66)));

        var unconfirmed = FrameGen.Encode(f with { ExistenceConfirmed = false });
        Assert.Equal(b.Length - 4, unconfirmed.Length);
        Assert.False(((DeathWatchNotificationFrame)LinkFrameCodec.Decode(unconfirmed)).ExistenceConfirmed);
    }

    [Fact]
    public void No_dotnet_type_names_travel_in_watch_frames()
    {
        var b = FrameGen.Encode(new WatchFrame("vswarm://b/user/x", "vswarm://a/user/w"));
        var text = Encoding.UTF8.GetString(b);
        Assert.DoesNotContain("VSwarm", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Frame", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_watcher_or_watchee_is_named()
    {
        var b = FrameGen.Encode(new WatchFrame("vswarm://b/user/x", "vswarm://a/user/w"));
        var onlyWatchee = b.AsSpan(0, 16 + 24).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(onlyWatchee, (uint)onlyWatchee.Length);
        var ex = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(onlyWatchee));
        Assert.Contains("VS_WATCH_WATCHER", ex.Message, StringComparison.Ordinal);
        Assert.Contains("required attribute is missing", ex.Message, StringComparison.Ordinal);

        var onlyHeader = b.AsSpan(0, 16).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(onlyHeader, 16);
        BinaryPrimitives.WriteUInt16LittleEndian(onlyHeader.AsSpan(4), LinkNetlink.TypeDeathWatchNotification);
        Assert.Contains("VS_WATCH_WATCHEE", Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(onlyHeader)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_must_be_vswarm_paths_and_attributes_must_not_repeat()
    {
        var notPath = FrameGen.Encode(new UnwatchFrame("vswarm://b/user/x", "vswarm://a/user/w"));
        Encoding.ASCII.GetBytes("http").CopyTo(notPath, 20); // watchee becomes "http..."
        var ex = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(notPath));
        Assert.Contains("offset 16", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a vswarm:// actor path", ex.Message, StringComparison.Ordinal);

        var dup = FrameGen.Encode(new WatchFrame("vswarm://b/user/x", "vswarm://b/user/x"));
        BinaryPrimitives.WriteUInt16LittleEndian(dup.AsSpan(42), LinkNetlink.AttrWatchee); // second attribute relabelled
        var d = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(dup));
        Assert.Contains("duplicate attribute", d.Message, StringComparison.Ordinal);
        Assert.Contains("offset 40", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existence_flag_with_a_payload_is_refused()
    {
        var f = FrameGen.Encode(new DeathWatchNotificationFrame("vswarm://b/user/x", "vswarm://a/user/w", false));
        var withFlag = new byte[f.Length + 8];
        f.CopyTo(withFlag, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(withFlag, (uint)withFlag.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(withFlag.AsSpan(f.Length), 5); // nla_len 5: one byte of payload
        BinaryPrimitives.WriteUInt16LittleEndian(withFlag.AsSpan(f.Length + 2), LinkNetlink.AttrExistenceConfirmed);
        var ex = Assert.Throws<LinkFrameException>(() => LinkFrameCodec.Decode(withFlag));
        Assert.Contains("VS_WATCH_EXISTENCE_CONFIRMED", ex.Message, StringComparison.Ordinal);
        Assert.Contains("flag attribute carries 1 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzzed_watch_frames_fail_only_with_LinkFrameException() =>
        Prop.ForAll(FrameGen.Arb(r => (Frame: WatchKind(r), Seed: r.Next())), t =>
        {
            var bytes = FrameGen.Encode(t.Frame);
            var r = new Random(t.Seed);
            for (var i = 0; i < 1 + r.Next(4); i++)
            {
                bytes[r.Next(4, bytes.Length)] ^= (byte)r.Next(1, 256);
            }

            try
            {
                LinkFrameCodec.Decode(bytes);
            }
            catch (LinkFrameException)
            {
            }
        }).Check(FrameGen.Quick);
}
