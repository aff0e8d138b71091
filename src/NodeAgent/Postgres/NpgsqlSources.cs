using System.Collections.Concurrent;
using Npgsql;

namespace NodeAgent.Postgres;

/// <summary>
/// Npgsql connections from slim data sources, one per connection string kept for the process's life, as Npgsql keeps
/// its own behind <c>new NpgsqlConnection(string)</c>. That constructor's full builder roots every type Npgsql can map,
/// so native AOT compiled all of them into the binary; the agent reads only plain types (its queries cast the rest to
/// text). Measured: binary 24.1 -> 22.1 MB, rehydrated type data 7.2 -> 6.0 MB; idle agent RSS about 3 MB less
/// (docs/benchmarks.md, "Footprint").
/// </summary>
internal static class NpgsqlSources
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> QuerySources = new(StringComparer.Ordinal);

    /// <summary>The agent's own connections: plain types, TLS and Kerberos as the full builder had them.</summary>
    public static NpgsqlConnection Connection(string connectionString) =>
        Sources.GetOrAdd(connectionString, static cs => new NpgsqlSlimDataSourceBuilder(cs)
            .EnableTransportSecurity()
            .EnableIntegratedSecurity()
            .Build()).CreateConnection();

    /// <summary>
    /// <c>agentctl query</c>'s connections: also the types whose values it prints as text (ranges, json, network,
    /// geometric, full-text search, ltree, cube). Not arrays, multiranges or records, the bulk of the full builder's
    /// code, which printed as .NET type names ("System.Int32[]"); such a cell shows its PostgreSQL type instead.
    /// </summary>
    public static NpgsqlConnection QueryConnection(string connectionString) =>
        QuerySources.GetOrAdd(connectionString, static cs => new NpgsqlSlimDataSourceBuilder(cs)
            .EnableTransportSecurity()
            .EnableIntegratedSecurity()
            .EnableRanges()
            .EnableJsonTypes()
            .EnableNetworkTypes()
            .EnableGeometricTypes()
            .EnableFullTextSearch()
            .EnableLTree()
            .EnableCube()
            .Build()).CreateConnection();
}
