using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// Keeps <see cref="KeyCache"/> current: one range of the prefix, then a watch from the next revision
/// (Patroni's <c>dcs/etcd3.py</c> KVCache). A broken watch is rebuilt (range + watch) on the pool's current member
/// after a short backoff, forever until disposed; it never dies silently.
/// </summary>
internal sealed partial class EtcdWatchCache : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly EtcdEndpointPool _pool;
    private readonly KeyLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _onContact;
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _session = new();
    private long _revision;
    private int _switched;
    private EtcdEndpoint? _watchEndpoint;
    private Task? _loop;

    public EtcdWatchCache(EtcdEndpointPool pool, KeyLayout layout, string selfName, TimeProvider time, ILogger logger, Action onContact)
    {
        _pool = pool;
        _layout = layout;
        _time = time;
        _logger = logger;
        _onContact = onContact;
        Cache = new KeyCache(selfName);
        Signal = new ChangeSignal(time);
        _pool.Switched += OnSwitched;
    }

    public KeyCache Cache { get; }

    public ChangeSignal Signal { get; }

    /// <summary>Ranges the prefix and resets the cache. The watch, if running, continues from its own revision.</summary>
    public async Task<ClusterView> LoadAsync(bool serializable, CancellationToken cancellationToken)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(_layout.Prefix),
            RangeEnd = ByteString.CopyFromUtf8(_layout.PrefixRangeEnd),
            Serializable = serializable,
        };
        var response = await _pool.ExecuteAsync(
            "range",
            async (e, o) => await e.Kv.RangeAsync(request, o).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        _onContact();
        var keys = new List<StoredKey>(response.Kvs.Count);
        foreach (var kv in response.Kvs)
        {
            if (ToStored(kv) is { } key)
            {
                keys.Add(key);
            }
        }

        var revision = response.Header.Revision;
        InterlockedMax(ref _revision, revision);
        return Cache.Reset(keys, revision);
    }

    /// <summary>Starts the background watch from the revision of the last <see cref="LoadAsync"/>.</summary>
    public void StartWatching() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    public StoredKey? ToStored(Mvccpb.KeyValue kv)
    {
        var name = _layout.Relative(kv.Key.ToStringUtf8());
        return name is null ? null : new StoredKey(name, kv.Value.ToStringUtf8(), kv.ModRevision, kv.Lease);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var needsReload = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (needsReload)
                {
                    var view = await LoadAsync(serializable: true, stop).ConfigureAwait(false);
                    Signal.Set(); // we may have missed anything while the watch was down
                    LogWatchReloaded(view.Revision);
                }

                needsReload = true;
                await WatchOnceAsync(stop).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception) when (!stop.IsCancellationRequested && Interlocked.Exchange(ref _switched, 0) == 1)
            {
                // The pool moved to another member: follow it at once.
                LogWatchFollows(_pool.Current.ToString());
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                var endpoint = _watchEndpoint ?? _pool.Current;
                LogWatchBroken(endpoint.ToString(), ex.GetType().Name, ex.Message);
                if (ex is not DcsUnavailableException)
                {
                    _pool.MoveFrom(endpoint);
                    Interlocked.Exchange(ref _switched, 0);
                }

                try
                {
                    await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One watch stream on the current member, until it breaks, the pool switches, or we stop.</summary>
    private async Task WatchOnceAsync(CancellationToken stop)
    {
        Interlocked.Exchange(ref _switched, 0);
        var endpoint = _pool.Current;
        _watchEndpoint = endpoint;
        CancellationTokenSource session;
        lock (_stop)
        {
            _session.Dispose();
            _session = CancellationTokenSource.CreateLinkedTokenSource(stop);
            session = _session;
        }

        var token = session.Token;
        using var call = endpoint.Watch.Watch(new CallOptions(endpoint.Headers, cancellationToken: token));
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(_layout.Prefix),
                RangeEnd = ByteString.CopyFromUtf8(_layout.PrefixRangeEnd),
                StartRevision = Interlocked.Read(ref _revision) + 1,
                PrevKv = true,
            },
        }, token).ConfigureAwait(false);

        while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            _onContact();
            if (response.Canceled || response.CompactRevision > 0)
            {
                // Compacted past our revision or refused: start over with a fresh range.
                throw new InvalidOperationException($"watch cancelled by etcd: {response.CancelReason} (compact revision {response.CompactRevision})");
            }

            if (response.Events.Count == 0)
            {
                continue;
            }

            var events = new List<KeyEvent>(response.Events.Count);
            foreach (var ev in response.Events)
            {
                if (ToStored(ev.Kv) is { } key)
                {
                    events.Add(new KeyEvent(ev.Type == Mvccpb.Event.Types.EventType.Put, key, ev.Kv.ModRevision));
                }
            }

            var revision = response.Header.Revision;
            if (Cache.Apply(events, revision))
            {
                Signal.Set();
            }

            InterlockedMax(ref _revision, revision);
        }

        throw new InvalidOperationException("watch stream ended");
    }

    private void OnSwitched()
    {
        Interlocked.Exchange(ref _switched, 1);
        lock (_stop)
        {
            try
            {
                _session.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pool.Switched -= OnSwitched;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _session.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd watch on {Endpoint} broke ({Error}: {Message}); re-reading the cluster and watching again")]
    private partial void LogWatchBroken(string endpoint, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "etcd watch moves to member {Endpoint}")]
    private partial void LogWatchFollows(string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "etcd watch restored at revision {Revision}")]
    private partial void LogWatchReloaded(long revision);
}
