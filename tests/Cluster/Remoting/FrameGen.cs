using System.Text;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Cluster.Remoting.Wire;
using Xunit;

namespace VSwarm.Tests.Cluster.Remoting;

/// <summary>Seeded generators of link frames for property tests.</summary>
public static class FrameGen
{
    public static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static readonly Gen<int> Seed =
        Gen.Zip(Gen.Choose(0, 0x7fff), Gen.Choose(0, 0xffff), (a, b) => (a << 16) | b);

    public static Arbitrary<T> Arb<T>(Func<Random, T> build) => Seed.Select(s => build(new Random(s))).ToArbitrary();

    public static byte[] Bytes(Random r, int n)
    {
        var b = new byte[n];
        r.NextBytes(b);
        return b;
    }

    /// <summary>A name of letters, digits, '-' and non-ASCII letters (no NUL).</summary>
    public static string Name(Random r, int max = 20)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_éßЖ漢";
        var sb = new StringBuilder();
        var n = r.Next(1, max);
        for (var i = 0; i < n; i++)
        {
            sb.Append(alphabet[r.Next(alphabet.Length)]);
        }

        return sb.ToString();
    }

    public static string Path(Random r) =>
        $"vswarm://{Name(r, 8)}/" + string.Join('/', Enumerable.Range(0, r.Next(1, 5)).Select(_ => Name(r, 12)));

    public static EnvelopeFrame Envelope(Random r)
    {
        var size = r.Next(6) switch
        {
            0 => 0,
            1 => LinkNetlink.MaxAttrPayload,
            2 => LinkNetlink.MaxAttrPayload + r.Next(1, 1000),
            3 => (2 * LinkNetlink.MaxAttrPayload) + r.Next(0, 10),
            _ => r.Next(1, 300),
        };
        return new EnvelopeFrame(Path(r), r.Next(3) == 0 ? null : Path(r), (ushort)r.Next(1, 65536), Bytes(r, size));
    }

    public static LinkFrame Frame(Random r) => r.Next(10) switch
    {
        7 => new WatchFrame(Path(r), Path(r)),
        8 => new UnwatchFrame(Path(r), Path(r)),
        9 => new DeathWatchNotificationFrame(Path(r), Path(r), r.Next(2) == 0),
        0 => new HelloFrame((ushort)r.Next(65536), Name(r), Name(r), Name(r), Bytes(r, LinkNetlink.NonceLength)),
        1 => new ChallengeFrame(Name(r), Bytes(r, LinkNetlink.NonceLength), Bytes(r, LinkNetlink.ProofLength)),
        2 => new AuthFrame(Bytes(r, LinkNetlink.ProofLength)),
        3 => ReadyFrame.Instance,
        4 => HeartbeatFrame.Instance,
        5 => new RefuseFrame(Name(r, 80)),
        _ => Envelope(r),
    };

    public static byte[] Encode(LinkFrame f, uint seq = 0)
    {
        var buf = new byte[LinkFrameCodec.Measure(f)];
        var n = LinkFrameCodec.Write(f, seq, buf);
        Assert.Equal(buf.Length, n);
        return buf;
    }

    /// <summary>Structural equality of frames, comparing byte arrays by content.</summary>
    public static void AssertSame(LinkFrame expected, LinkFrame actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected, actual)
        {
            case (HelloFrame a, HelloFrame b):
                Assert.Equal((a.Version, a.Cluster, a.From, a.To), (b.Version, b.Cluster, b.From, b.To));
                Assert.Equal(a.Nonce, b.Nonce);
                break;
            case (ChallengeFrame a, ChallengeFrame b):
                Assert.Equal(a.From, b.From);
                Assert.Equal(a.Nonce, b.Nonce);
                Assert.Equal(a.Proof, b.Proof);
                break;
            case (AuthFrame a, AuthFrame b):
                Assert.Equal(a.Proof, b.Proof);
                break;
            case (RefuseFrame a, RefuseFrame b):
                Assert.Equal(a.Reason, b.Reason);
                break;
            case (EnvelopeFrame a, EnvelopeFrame b):
                Assert.Equal((a.Target, a.Sender, a.TypeId), (b.Target, b.Sender, b.TypeId));
                Assert.True(a.Payload.Span.SequenceEqual(b.Payload.Span), "payload differs");
                break;
            case (WatchFrame or UnwatchFrame or DeathWatchNotificationFrame, _):
                Assert.Equal(expected, actual); // strings and a bool only: record equality is by value
                break;
            default:
                Assert.Same(expected, actual);
                break;
        }
    }
}
