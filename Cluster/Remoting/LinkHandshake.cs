using System.Security.Cryptography;
using System.Text;

namespace VSwarm.Cluster.Remoting;

/// <summary>
/// The proofs of the link handshake: HMAC-SHA256 keyed with the shared secret over a role label,
/// the cluster, both node names and both fresh nonces. The secret never crosses the wire, a proof
/// cannot be replayed on another connection (new nonces) or reflected to the other role (the
/// label), and proofs are compared in constant time.
/// </summary>
internal static class LinkHandshake
{
    public const string AcceptorRole = "vswarm-link-acceptor";
    public const string DialerRole = "vswarm-link-dialer";

    public static byte[] Nonce() => RandomNumberGenerator.GetBytes(Wire.LinkNetlink.NonceLength);

    public static byte[] Proof(byte[] secret, string role, string cluster, string dialer, string acceptor, byte[] dialerNonce, byte[] acceptorNonce)
    {
        var text = Encoding.UTF8.GetBytes($"{role}\0{cluster}\0{dialer}\0{acceptor}\0");
        var data = new byte[text.Length + dialerNonce.Length + acceptorNonce.Length];
        text.CopyTo(data, 0);
        dialerNonce.CopyTo(data, text.Length);
        acceptorNonce.CopyTo(data, text.Length + dialerNonce.Length);
        return HMACSHA256.HashData(secret, data);
    }

    public static bool Verify(byte[] expected, byte[] actual) => CryptographicOperations.FixedTimeEquals(expected, actual);
}

/// <summary>A handshake that did not complete: refused by the peer or by us, with the reason.</summary>
internal sealed class LinkRefusedException(string reason, bool byPeer, bool tieBreak = false) : Exception(reason)
{
    public bool ByPeer { get; } = byPeer;

    /// <summary>Refused because the other direction's connection wins the tie-break (not a failure).</summary>
    public bool TieBreak { get; } = tieBreak;
}
