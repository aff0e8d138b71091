namespace NodeAgent.Postgres.Callbacks;

/// <summary>The callbacks of <c>postgresql.callbacks</c> (callback_executor.py:CallbackAction).</summary>
public enum CallbackAction
{
    OnStart,
    OnStop,
    OnRestart,
    OnReload,
    OnRoleChange,
}

/// <summary>The role passed as the callback's second argument, in Patroni 3.0.2's words.</summary>
public enum CallbackRole
{
    /// <summary>"master": Patroni 3.0.2 still passes this, also right after a promotion ("promoted" is mapped to it).</summary>
    Master,
    Replica,
    /// <summary>A primary stopped on its way to becoming a replica.</summary>
    Demoted,
}

public static class CallbackNames
{
    /// <summary>The action as the script sees it and as its key ends: on_start, on_role_change, ...</summary>
    public static string Name(this CallbackAction action) => action switch
    {
        CallbackAction.OnStart => "on_start",
        CallbackAction.OnStop => "on_stop",
        CallbackAction.OnRestart => "on_restart",
        CallbackAction.OnReload => "on_reload",
        _ => "on_role_change",
    };

    public static string Name(this CallbackRole role) => role switch
    {
        CallbackRole.Master => "master",
        CallbackRole.Replica => "replica",
        _ => "demoted",
    };
}
