using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>query</c>: accepted for compatibility; running SQL is left to psql (see <c>dsn</c>).</summary>
internal static class QueryCommand
{
    public static CommandSpec Spec { get; } = new(
        "query",
        "Query a Patroni PostgreSQL member",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Text("Output format (pretty, tsv, json, yaml)", "--format"),
            OptionSpec.Typed("FILENAME", "Execute the SQL commands from this file", "-f", "--file"),
            OptionSpec.Flag("force password prompt", "--password"),
            OptionSpec.Text("database user name", "-U", "--username"),
            OptionSpec.Flag("Auto update the screen every 2 seconds", "-W"),
            OptionSpec.Typed("FLOAT", "Auto update the screen every X seconds", "-w", "--watch"),
            OptionSpec.Typed(MemberSelection.RoleMetavar, "The role of the query", "-r", "--role"),
            OptionSpec.Text("Query a specific member", "-m", "--member"),
            OptionSpec.Text("The column delimiter", "--delimiter"),
            OptionSpec.Text("The SQL commands to execute", "-c", "--command"),
            OptionSpec.Text("database name to connect to", "-d", "--dbname"),
        ],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        (_, _, _) => throw new CtlException("query is not supported by agentctl; use psql with the output of 'agentctl dsn'"));
}
