using CsCheck;
using NodeAgent.Configuration;
using NodeAgent.Configuration.Parsing;
using NodeAgent.Ctl;
using NodeAgent.Hosting;

namespace NodeAgent.Tests.Configuration;

/// <summary>
/// Random and mutated YAML through every entry point that reads a config: only findings, ConfigException,
/// YamlSyntaxException or CtlException may come out, never anything else (a stack trace for the operator).
/// </summary>
public sealed class ConfigLoaderPropertyTests
{
    // YAML's indicators, whitespace that matters, and a few letters so keys and values form.
    private const string YamlChars = "[]{}:,-?&*!|>'\"%@`# \t\n\r\\abcz019.~";

    private static readonly string Seed = SeedConfig.Text;

    private static readonly Gen<string> RandomText = Gen.String[Gen.Char[YamlChars], 0, 120];

    private static readonly Gen<string> MutatedSeed = Gen.Select(Gen.Int[0, 2], Gen.Double[0, 1], Gen.String[Gen.Char[YamlChars], 1, 4])
        .Array[1, 6]
        .Select(Mutate);

    [Fact]
    public void Random_text_gives_findings_never_exceptions() => RandomText.Sample(EveryEntryPoint, iter: 3000);

    [Fact]
    public void Mutated_seed_config_gives_findings_never_exceptions() => MutatedSeed.Sample(EveryEntryPoint, iter: 1500);

    [Fact]
    public void Mutated_files_behind_sighup_and_agentctl_never_throw() => MutatedSeed.Sample(text =>
    {
        using var file = new TempConfigFile(text);
        var reload = ConfigReloader.Read(file.Path, SeedConfig.NoEnv);
        Assert.True(reload.Config is not null || reload.Rejection is not null);
        try
        {
            CtlSettings.Load(file.Path, null, insecure: false, SeedConfig.NoEnv);
        }
        catch (CtlException)
        {
        }
    }, iter: 200);

    private static void EveryEntryPoint(string text)
    {
        var result = ConfigLoader.ReadText(text, SeedConfig.NoEnv, checkMachine: false);
        Assert.True(result.IsValid || result.Errors.Any());
        Assert.All(result.Problems, p => Assert.DoesNotContain('\n', p.ToString()));

        var reload = ConfigReloader.Read(null, new Dictionary<string, string> { [EnvironmentConfig.ConfigurationVariable] = text });
        Assert.True(reload.Config is not null || reload.Rejection is not null);

        try
        {
            ConfigLoader.Load(null, new Dictionary<string, string> { ["PATRONI_RESTAPI_ALLOWLIST"] = text, ["PATRONI_ETCD3_HOSTS"] = text });
        }
        catch (ConfigException)
        {
        }

        try
        {
            YamlTree.ParseDocument(text);
        }
        catch (YamlSyntaxException)
        {
        }
    }

    /// <summary>Each mutation inserts, replaces or deletes a few characters at a relative position in the seed's file.</summary>
    private static string Mutate((int Kind, double Where, string Chars)[] mutations)
    {
        var text = Seed;
        foreach (var (kind, where, chars) in mutations)
        {
            var at = (int)(where * text.Length);
            var length = Math.Min(chars.Length, text.Length - at);
            text = kind switch
            {
                0 => text.Insert(at, chars),
                1 => text.Remove(at, length).Insert(at, chars),
                _ => text.Remove(at, length),
            };
        }

        return text;
    }
}
