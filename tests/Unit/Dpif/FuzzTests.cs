using System.Buffers.Binary;
using System.Diagnostics;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Netlink;
using VSwarm.Messages.Odp;
using VSwarm.Tests.Unit.Datapath;
using Xunit;

namespace VSwarm.Tests.Unit.Dpif;

/// <summary>
/// 100 000 random and mutated buffers (bit flips, truncation, length-field corruption, byte
/// overwrites of valid encodings) fed to every decoder: only the documented exception may escape.
/// </summary>
public class FuzzTests
{
    private const int Total = 100_000;

    private static byte[] Mutate(Random r, byte[] valid)
    {
        var b = (byte[])valid.Clone();
        switch (r.Next(6))
        {
            case 0:
                for (int i = 0, n = r.Next(1, 5); i < n && b.Length > 0; i++)
                {
                    b[r.Next(b.Length)] ^= (byte)(1 << r.Next(8));
                }

                return b;
            case 1:
                return b[..r.Next(b.Length + 1)];
            case 2 when b.Length >= 4:
                // Corrupt a length field: nlmsg_len, or the nla_len of some 4-aligned attribute.
                var at = r.Next(2) == 0 ? 0 : 4 * r.Next(b.Length / 4);
                var v = r.Next(3) switch { 0 => r.Next(0, 8), 1 => r.Next(0, b.Length + 16), _ => r.Next(0, 65536) };
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), (ushort)v);
                return b;
            case 3:
                for (int i = 0, n = r.Next(1, 8); i < n && b.Length > 0; i++)
                {
                    b[r.Next(b.Length)] = (byte)r.Next(256);
                }

                return b;
            case 4:
                var extra = DpGen.RandomBytes(r, r.Next(1, 16));
                var pos = r.Next(b.Length + 1);
                return [.. b[..pos], .. extra, .. b[pos..]];
            default:
                return DpGen.RandomBytes(r, r.Next(0, 128));
        }
    }

    private static void Only<TException>(Action decode, byte[] input)
        where TException : Exception
    {
        try
        {
            decode();
        }
        catch (TException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name} escaped for input {Convert.ToHexString(input)}: {e}");
        }
    }

    [Fact]
    public void Decoders_only_throw_DpifDecodeException_on_random_and_mutated_input()
    {
        var r = new Random(20240611);
        var messages = Enumerable.Range(0, 400).Select(_ => DpGen.Message(r).ToNetlink()).ToArray();
        var keys = Enumerable.Range(0, 200).Select(_ =>
        {
            var m = DpGen.ValidMatch(r);
            return (OdpKeyCodec.KeyBytes(m), OdpKeyCodec.MaskBytes(m));
        }).ToArray();
        var actions = Enumerable.Range(0, 200).Select(_ => DpActionCodec.ToBytes(DpGen.Actions(r, 0))).ToArray();
        var cookies = Enumerable.Range(0, 50).Select(_ => DpGen.Cookie(r).ToBytes()).ToArray();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Total; i++)
        {
            switch (i % 10)
            {
                case < 5:
                    var msg = Mutate(r, messages[r.Next(messages.Length)]);
                    Only<DpifDecodeException>(() => DpifCodec.Decode(msg), msg);
                    break;
                case < 7:
                    var (k, m) = keys[r.Next(keys.Length)];
                    var mk = Mutate(r, k);
                    var mm = r.Next(2) == 0 ? m : Mutate(r, m);
                    Only<DpifDecodeException>(() => OdpKeyCodec.Decode(mk, mm), [.. mk, .. mm]);
                    Only<DpifDecodeException>(() => OdpKeyCodec.DecodeExact(mk), mk);
                    break;
                case < 9:
                    var a = Mutate(r, actions[r.Next(actions.Length)]);
                    Only<DpifDecodeException>(() => DpActionCodec.Decode(a), a);
                    break;
                default:
                    var c = Mutate(r, cookies[r.Next(cookies.Length)]);
                    Only<Exception>(() => Assert.Equal(c.Length == 48 && c[0] is >= 1 and <= 5 && c[1] == 0, UserActionCookie.TryDecode(c, out _)), c);
                    break;
            }
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"fuzzing took {sw.Elapsed}");
    }

    [Fact]
    public void Odp_parser_only_throws_OdpParseException_on_mutated_text()
    {
        var r = new Random(7);
        var lines = Enumerable.Range(0, 200).Select(_ =>
        {
            var f = DpGen.Flow(r);
            return OdpFormatter.FormatFlow(f with { Terse = false }, 1UL << 40, lossless: r.Next(2) == 0);
        }).ToArray();
        const string Alphabet = "(),=/:.0123456789abcdefx%+-| _";
        for (var i = 0; i < 20_000; i++)
        {
            var s = lines[r.Next(lines.Length)].ToCharArray().ToList();
            for (int j = 0, n = r.Next(1, 4); j < n && s.Count > 0; j++)
            {
                var p = r.Next(s.Count);
                switch (r.Next(3))
                {
                    case 0:
                        s.RemoveAt(p);
                        break;
                    case 1:
                        s[p] = Alphabet[r.Next(Alphabet.Length)];
                        break;
                    default:
                        s.Insert(p, Alphabet[r.Next(Alphabet.Length)]);
                        break;
                }
            }

            var text = new string([.. s]);
            try
            {
                OdpParser.ParseFlow(text, 1UL << 40);
            }
            catch (OdpParseException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name} escaped for '{text}': {e}");
            }
        }
    }
}
