using System.Text;
using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>Builds the post-bootstrap role SQL (<c>postgresql/bootstrap.py:post_bootstrap</c>): create-or-alter, so it can be re-run.</summary>
internal static class RoleStatements
{
    /// <summary>Rewind user grants: pg_rewind needs these functions without superuser.</summary>
    private static readonly string[] RewindFunctions =
    [
        "pg_catalog.pg_ls_dir(text, boolean, boolean)",
        "pg_catalog.pg_stat_file(text, boolean)",
        "pg_catalog.pg_read_binary_file(text)",
        "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
    ];

    public static IReadOnlyList<RoleStatement> For(PostgresAuthentication auth, IReadOnlyDictionary<string, BootstrapUser> users)
    {
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentNullException.ThrowIfNull(users);
        var statements = new List<RoleStatement>
        {
            Role(auth.Superuser.Username, auth.Superuser.Password, "SUPERUSER LOGIN"),
        };
        if (auth.Replication.Username != auth.Superuser.Username)
        {
            statements.Add(Role(auth.Replication.Username, auth.Replication.Password, "REPLICATION LOGIN"));
        }

        if (auth.Rewind is { } rewind && rewind.Username != auth.Superuser.Username)
        {
            statements.Add(Role(rewind.Username, rewind.Password, "LOGIN"));
            foreach (var f in RewindFunctions)
            {
                statements.Add(new RoleStatement($"GRANT EXECUTE ON FUNCTION {f} TO {Ident(rewind.Username)}", Unlogged: false));
            }
        }

        foreach (var (name, user) in users)
        {
            statements.Add(Role(name, user.Password, string.Join(' ', user.Options)));
        }

        return statements;
    }

    // As Patroni, every role definition runs unlogged, with or without a password (a later ALTER may add one).
    private static RoleStatement Role(string name, string? password, string options) =>
        new(CreateOrAlter(name, password, options), Unlogged: true);

    /// <summary>A DO block that ALTERs the role when it exists and CREATEs it otherwise.</summary>
    public static string CreateOrAlter(string name, string? password, string options)
    {
        var with = new StringBuilder(options);
        if (password is not null)
        {
            with.Append(" PASSWORD ").Append(Literal(password));
        }

        var clause = with.ToString().Trim();
        if (clause.Length == 0)
        {
            clause = "LOGIN";
        }
        var body = $"""
            SET LOCAL synchronous_commit = 'local';
            PERFORM * FROM pg_catalog.pg_authid WHERE rolname = {Literal(name)};
            IF FOUND THEN ALTER ROLE {Ident(name)} WITH {clause};
            ELSE CREATE ROLE {Ident(name)} WITH {clause}; END IF;
            """;
        return "DO $agent$ BEGIN " + body + " END; $agent$";
    }

    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <param name="Sql">The statement.</param>
/// <param name="Unlogged">Run with statement logging off: it defines a role and may carry a password.</param>
internal sealed record RoleStatement(string Sql, bool Unlogged);
