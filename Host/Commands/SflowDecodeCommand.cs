using System.CommandLine;
using VSwarm.Actors.Sflow;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm sflow-decode FILE.pcap|FILE.bin|-`: prints every sFlow v5 datagram of a classic pcap
/// (the UDP payloads) or of a raw datagram file. A malformed datagram is reported on stderr with
/// its packet number and byte offset; exit code 0 when everything decoded, 2 otherwise (also for
/// an unreadable or malformed file).
/// </summary>
internal static class SflowDecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "classic pcap capture or raw sFlow datagram (.bin), or - for standard input" };
        var cmd = new Command("sflow-decode", "Decode sFlow v5 datagrams from a pcap capture or a raw datagram file") { file };
        cmd.SetAction(pr => Run(pr.GetValue(file)!, Console.Out, Console.Error));
        return cmd;
    }

    public static int Run(string path, TextWriter output, TextWriter error)
    {
        byte[] data;
        try
        {
            if (path == "-")
            {
                using var ms = new MemoryStream();
                Console.OpenStandardInput().CopyTo(ms);
                data = ms.ToArray();
            }
            else
            {
                data = File.ReadAllBytes(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"vswarm: {path}: {e.Message}");
            return 2;
        }

        return Run(data, path == "-" ? "<stdin>" : path, output, error);
    }

    public static int Run(byte[] data, string name, TextWriter output, TextWriter error)
    {
        List<(int Number, byte[] Payload)> payloads;
        if (SflowPcap.IsPcap(data))
        {
            try
            {
                payloads = SflowPcap.ReadUdpPayloads(data);
            }
            catch (FormatException e)
            {
                error.WriteLine($"vswarm: {name}: {e.Message}");
                return 2;
            }
        }
        else
        {
            payloads = [(1, data)];
        }

        var bad = 0;
        foreach (var (number, payload) in payloads)
        {
            try
            {
                output.Write(SflowFormatter.Format(SflowDecoder.Decode(payload), payload.Length));
            }
            catch (SflowDecodeException e)
            {
                bad++;
                error.WriteLine($"vswarm: {name}: packet {number}: {e.Message}");
            }
        }

        return bad == 0 ? 0 : 2;
    }
}
