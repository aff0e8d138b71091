using System.Reflection;

namespace NodeAgent;

public static class AgentVersion
{
    /// <summary>The Patroni version we report in member keys so patronictl and peers treat us as 3.0.2.</summary>
    public const string PatroniCompatible = "3.0.2";

    public static string Current { get; } =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
