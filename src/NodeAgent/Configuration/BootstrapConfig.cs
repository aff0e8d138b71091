namespace NodeAgent.Configuration;

public sealed record BootstrapConfig
{
    /// <summary><c>bootstrap.dcs</c>: written to the <c>config</c> key by the node that initialises the cluster.</summary>
    public DynamicConfig Dcs { get; init; } = new();
    /// <summary>initdb, or the name of a custom method.</summary>
    public string Method { get; init; } = "initdb";
    public IReadOnlyDictionary<string, CustomBootstrapMethod> CustomMethods { get; init; } = new Dictionary<string, CustomBootstrapMethod>();
    /// <summary>initdb options as Patroni writes them: "data-checksums" or "encoding=UTF8".</summary>
    public IReadOnlyList<string> Initdb { get; init; } = [];
    public IReadOnlyList<string> PgHba { get; init; } = [];
    public IReadOnlyDictionary<string, BootstrapUser> Users { get; init; } = new Dictionary<string, BootstrapUser>();
    public string? PostBootstrap { get; init; }
}

public sealed record CustomBootstrapMethod(string Command, bool KeepExistingRecoveryConf, bool NoParams, IReadOnlyDictionary<string, string> RecoveryConf);

public sealed record BootstrapUser(string? Password, IReadOnlyList<string> Options);
