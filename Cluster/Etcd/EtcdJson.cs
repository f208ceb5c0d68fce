using System.Text.Json;
using System.Text.Json.Serialization;

namespace VSwarm.Cluster.Etcd;

// Wire shapes of etcd's grpc-gateway (proto3 JSON). Names are the exact protobuf JSON names:
// the gateway silently ignores anything else (e.g. "id"/"ttl" instead of "ID"/"TTL").
// bytes fields are base64 (byte[] in System.Text.Json); int64 fields travel as JSON strings.
internal static class EtcdJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

internal sealed class ResponseHeaderDto
{
    [JsonPropertyName("revision")] public long Revision { get; set; }
}

internal sealed class KeyValueDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("value")] public byte[]? Value { get; set; }
    [JsonPropertyName("create_revision")] public long CreateRevision { get; set; }
    [JsonPropertyName("mod_revision")] public long ModRevision { get; set; }
    [JsonPropertyName("version")] public long Version { get; set; }
    [JsonPropertyName("lease")] public long Lease { get; set; }
}

internal sealed class RangeRequestDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("range_end")] public byte[]? RangeEnd { get; set; }
}

internal sealed class RangeResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
    [JsonPropertyName("kvs")] public List<KeyValueDto>? Kvs { get; set; }
}

internal sealed class PutRequestDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("value")] public byte[]? Value { get; set; }
    [JsonPropertyName("lease")] public long? Lease { get; set; }
}

internal sealed class HeaderOnlyResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
}

internal sealed class DeleteRangeRequestDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("range_end")] public byte[]? RangeEnd { get; set; }
}

internal sealed class DeleteRangeResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
    [JsonPropertyName("deleted")] public long Deleted { get; set; }
}

internal sealed class CompareDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("result")] public string Result { get; set; } = "EQUAL";
    [JsonPropertyName("target")] public string Target { get; set; } = "MOD";
    [JsonPropertyName("create_revision")] public long? CreateRevision { get; set; }
    [JsonPropertyName("mod_revision")] public long? ModRevision { get; set; }
    [JsonPropertyName("value")] public byte[]? Value { get; set; }
}

internal sealed class RequestOpDto
{
    [JsonPropertyName("request_put")] public PutRequestDto? RequestPut { get; set; }
    [JsonPropertyName("request_delete_range")] public DeleteRangeRequestDto? RequestDeleteRange { get; set; }
}

internal sealed class TxnRequestDto
{
    [JsonPropertyName("compare")] public List<CompareDto> Compare { get; set; } = [];
    [JsonPropertyName("success")] public List<RequestOpDto> Success { get; set; } = [];
    [JsonPropertyName("failure")] public List<RequestOpDto> Failure { get; set; } = [];
}

internal sealed class TxnResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
    [JsonPropertyName("succeeded")] public bool Succeeded { get; set; }
}

internal sealed class CompactionRequestDto
{
    [JsonPropertyName("revision")] public long Revision { get; set; }
    [JsonPropertyName("physical")] public bool Physical { get; set; }
}

internal sealed class LeaseGrantRequestDto
{
    [JsonPropertyName("TTL")] public long Ttl { get; set; }
    [JsonPropertyName("ID")] public long Id { get; set; }
}

internal sealed class LeaseGrantResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
    [JsonPropertyName("ID")] public long Id { get; set; }
    [JsonPropertyName("TTL")] public long Ttl { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
}

internal sealed class LeaseIdRequestDto
{
    [JsonPropertyName("ID")] public long Id { get; set; }
}

internal sealed class LeaseKeepAliveResponseDto
{
    [JsonPropertyName("ID")] public long Id { get; set; }
    [JsonPropertyName("TTL")] public long Ttl { get; set; }
}

internal sealed class StreamErrorDto
{
    [JsonPropertyName("grpc_code")] public int GrpcCode { get; set; }
    [JsonPropertyName("http_code")] public int HttpCode { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("http_status")] public string? HttpStatus { get; set; }
}

internal sealed class StreamEnvelope<T>
{
    [JsonPropertyName("result")] public T? Result { get; set; }
    [JsonPropertyName("error")] public StreamErrorDto? Error { get; set; }
}

internal sealed class ErrorDto
{
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("code")] public int Code { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
}

internal sealed class WatchCreateRequestDto
{
    [JsonPropertyName("key")] public byte[]? Key { get; set; }
    [JsonPropertyName("range_end")] public byte[]? RangeEnd { get; set; }
    [JsonPropertyName("start_revision")] public long StartRevision { get; set; }
}

internal sealed class WatchRequestDto
{
    [JsonPropertyName("create_request")] public WatchCreateRequestDto? CreateRequest { get; set; }
}

internal sealed class EventDto
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("kv")] public KeyValueDto? Kv { get; set; }
}

internal sealed class WatchResponseDto
{
    [JsonPropertyName("header")] public ResponseHeaderDto? Header { get; set; }
    [JsonPropertyName("created")] public bool Created { get; set; }
    [JsonPropertyName("canceled")] public bool Canceled { get; set; }
    [JsonPropertyName("compact_revision")] public long CompactRevision { get; set; }
    [JsonPropertyName("cancel_reason")] public string? CancelReason { get; set; }
    [JsonPropertyName("events")] public List<EventDto>? Events { get; set; }
}
