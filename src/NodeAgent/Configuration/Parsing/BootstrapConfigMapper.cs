using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Maps <c>bootstrap</c>; <c>bootstrap.dcs</c> is kept both typed and verbatim.</summary>
internal static class BootstrapConfigMapper
{
    public static BootstrapConfig Map(ConfigSection s)
    {
        var d = new BootstrapConfig();
        var dcs = s.SectionOrEmpty("dcs");
        var method = s.String("method", d.Method);
        var config = new BootstrapConfig
        {
            Dcs = DynamicConfigValidator.Check(dcs),
            DcsJson = (JsonObject)dcs.Json.DeepClone(),
            Method = method,
            CustomMethods = CustomMethods(s, method),
            Initdb = OptionLists.Read(s, "initdb") ?? d.Initdb,
            PgHba = s.StringList("pg_hba") ?? d.PgHba,
            Users = Users(s.Section("users")),
            PostBootstrap = s.String("post_bootstrap") ?? s.String("post_init"),
        };
        s.ReportUnknownKeys();
        return config;
    }

    private static Dictionary<string, CustomBootstrapMethod> CustomMethods(ConfigSection s, string method)
    {
        var methods = new Dictionary<string, CustomBootstrapMethod>(StringComparer.Ordinal);
        if (method == "initdb")
        {
            return methods;
        }

        var section = s.Section(method);
        if (section is null)
        {
            s.Problems.Add(s.TypeSeverity, s.PathOf(method), $"bootstrap method '{method}' has no section with a command");
            return methods;
        }

        var command = section.String("command");
        if (command is null)
        {
            section.Problems.Add(s.TypeSeverity, section.PathOf("command"), "required for a custom bootstrap method");
            return methods;
        }

        var keep = section.Bool("keep_existing_recovery_conf", false);
        var noParams = section.Bool("no_params", false);
        var recoveryConf = section.StringMap("recovery_conf", guc: true);
        methods[method] = new CustomBootstrapMethod(command, keep, noParams, recoveryConf);
        return methods;
    }

    private static Dictionary<string, BootstrapUser> Users(ConfigSection? s)
    {
        var users = new Dictionary<string, BootstrapUser>(StringComparer.Ordinal);
        if (s is null)
        {
            return users;
        }

        foreach (var (name, _) in s.Json)
        {
            var user = s.Section(name);
            if (user is null)
            {
                continue;
            }

            users[name] = new BootstrapUser(user.String("password"), user.StringList("options") ?? []);
            user.ReportUnknownKeys();
        }

        s.Problems.Warning(s.Path, "deprecated (removed in Patroni 4.0); create users in post_bootstrap instead");
        return users;
    }
}
