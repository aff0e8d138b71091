using Etcdserverpb;
using Google.Protobuf;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>Small builders for the txn compares and ops the DCS uses.</summary>
internal static class EtcdRequests
{
    public static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    public static Compare CreateRevisionIs(string key, long revision) => new()
    {
        Key = Bytes(key),
        Target = Compare.Types.CompareTarget.Create,
        Result = Compare.Types.CompareResult.Equal,
        CreateRevision = revision,
    };

    public static Compare ModRevisionIs(string key, long revision) => new()
    {
        Key = Bytes(key),
        Target = Compare.Types.CompareTarget.Mod,
        Result = Compare.Types.CompareResult.Equal,
        ModRevision = revision,
    };

    public static Compare ValueIs(string key, string value) => new()
    {
        Key = Bytes(key),
        Target = Compare.Types.CompareTarget.Value,
        Result = Compare.Types.CompareResult.Equal,
        Value = Bytes(value),
    };

    public static Compare LeaseIs(string key, long lease) => new()
    {
        Key = Bytes(key),
        Target = Compare.Types.CompareTarget.Lease,
        Result = Compare.Types.CompareResult.Equal,
        Lease = lease,
    };

    public static RequestOp Put(string key, string value, long lease = 0) => new()
    {
        RequestPut = new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease },
    };

    public static RequestOp Get(string key) => new() { RequestRange = new RangeRequest { Key = Bytes(key) } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(key) } };

    public static TxnRequest Txn(IEnumerable<Compare> compares, params RequestOp[] success)
    {
        var txn = new TxnRequest();
        txn.Compare.AddRange(compares);
        txn.Success.AddRange(success);
        return txn;
    }

    /// <summary>etcd's answer to a put bound to a lease it no longer has.</summary>
    public static bool IsLeaseNotFound(Exception ex) =>
        ex is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.NotFound } rpc
        && rpc.Status.Detail.Contains("lease not found", StringComparison.OrdinalIgnoreCase);
}
