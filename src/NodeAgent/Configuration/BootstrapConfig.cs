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
    /// <summary><c>post_bootstrap</c> (or its alias <c>post_init</c>): a script run after the cluster is initialised.</summary>
    public string? PostBootstrap { get; init; }
}

public sealed record CustomBootstrapMethod(string Command, bool KeepExistingRecoveryConf, bool NoParams, IReadOnlyDictionary<string, string> RecoveryConf)
{
    /// <summary>Every other key of the method's section, passed to the command as --key=value.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

public sealed record BootstrapUser(string? Password, IReadOnlyList<string> Options);
