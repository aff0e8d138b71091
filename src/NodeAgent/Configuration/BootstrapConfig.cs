using System.Text.Json.Nodes;

namespace NodeAgent.Configuration;

public sealed record BootstrapConfig
{
    /// <summary><c>bootstrap.dcs</c>: written to the <c>config</c> key by the node that initialises the cluster.</summary>
    public DynamicConfig Dcs { get; init; } = new();
    /// <summary>
    /// <c>bootstrap.dcs</c> exactly as written (ints stay ints, quoted 'on' stays a string, nested maps kept):
    /// the bootstrapping node stores this verbatim as the JSON of the <c>config</c> key, like Patroni.
    /// Treat as read-only; clone before changing it.
    /// </summary>
    public JsonObject DcsJson { get; init; } = [];
    /// <summary>initdb, or the name of a custom method.</summary>
    public string Method { get; init; } = "initdb";
    public IReadOnlyDictionary<string, CustomBootstrapMethod> CustomMethods { get; init; } = new Dictionary<string, CustomBootstrapMethod>();
    /// <summary>initdb options as Patroni writes them: "data-checksums" or "encoding=UTF8".</summary>
    public IReadOnlyList<string> Initdb { get; init; } = [];
    public IReadOnlyList<string> PgHba { get; init; } = [];
    public IReadOnlyDictionary<string, BootstrapUser> Users { get; init; } = new Dictionary<string, BootstrapUser>();
    /// <summary>
    /// <c>post_bootstrap</c> (or its alias <c>post_init</c>): run once the new cluster is a primary, with the superuser's
    /// connection string as its last argument; a non-zero exit fails the bootstrap.
    /// </summary>
    public string? PostBootstrap { get; init; }
}

/// <summary>
/// A custom <c>bootstrap.method</c> section (bootstrap.py:_custom_bootstrap). Its other keys are not passed to the command:
/// Patroni gives it --scope and --datadir only.
/// </summary>
/// <param name="RecoveryConf">Null when the section has no <c>recovery_conf</c> (an empty one still starts a recovery).</param>
public sealed record CustomBootstrapMethod(string Command, bool KeepExistingRecoveryConf, bool NoParams, IReadOnlyDictionary<string, string>? RecoveryConf);

public sealed record BootstrapUser(string? Password, IReadOnlyList<string> Options);
