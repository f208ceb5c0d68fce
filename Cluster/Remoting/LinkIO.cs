using System.Buffers;
using System.IO.Pipelines;
using VSwarm.Cluster.Remoting.Wire;

namespace VSwarm.Cluster.Remoting;

/// <summary>Reads and writes single frames on a pipe (the handshake; the steady state batches in <see cref="LinkSession"/>).</summary>
internal static class LinkIO
{
    /// <summary>Writes one frame and flushes.</summary>
    public static async ValueTask WriteAsync(PipeWriter output, LinkFrame frame, CancellationToken ct)
    {
        var size = LinkFrameCodec.Measure(frame);
        LinkFrameCodec.Write(frame, 0, output.GetSpan(size));
        output.Advance(size);
        await output.FlushAsync(ct);
    }

    /// <summary>Best effort: tells the peer why we close (errors ignored, the connection may be gone).</summary>
    public static async ValueTask TryRefuseAsync(PipeWriter output, string reason)
    {
        try
        {
            await WriteAsync(output, new RefuseFrame(reason), CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // the peer is gone already
        }
    }

    /// <summary>Reads exactly one frame; null when the peer closed the connection.</summary>
    public static async ValueTask<LinkFrame?> ReadAsync(PipeReader input, int maxFrameSize, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                throw new OperationCanceledException(ct);
            }

            if (LinkFrameCodec.TryReadLength(buffer, maxFrameSize, out var len) && buffer.Length >= len)
            {
                var frame = buffer.Slice(0, len);
                LinkFrame decoded;
                try
                {
                    decoded = LinkFrameCodec.Decode(frame.IsSingleSegment ? frame.FirstSpan : frame.ToArray());
                }
                finally
                {
                    input.AdvanceTo(frame.End);
                }

                return decoded;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }
}
