namespace NodeAgent.Watchdog;

/// <summary>What the device says it can do (WDIOF_* flags of struct watchdog_info).</summary>
[Flags]
public enum WatchdogSupport
{
    None = 0,
    SetTimeout = 0x0080,
    MagicClose = 0x0100,
    KeepalivePing = 0x8000,
}

/// <summary>
/// The watchdog character device, one call per kernel operation. Calls throw <see cref="WatchdogDeviceException"/>;
/// the <see cref="Watchdog"/> facade turns failures into status and logs.
/// </summary>
public interface IWatchdogDevice
{
    string Path { get; }

    bool IsOpen { get; }

    /// <summary>Exists and is writable by us: Patroni's <c>is_healthy</c> for required mode.</summary>
    bool IsWritable { get; }

    /// <summary>Opens write-only; from this moment the kernel timer runs.</summary>
    void Open();

    /// <summary>WDIOC_GETSUPPORT.</summary>
    WatchdogSupport GetSupport();

    /// <summary>WDIOC_SETTIMEOUT, seconds.</summary>
    void SetTimeout(int seconds);

    /// <summary>WDIOC_GETTIMEOUT, seconds.</summary>
    int GetTimeout();

    /// <summary>Writes "1".</summary>
    void Keepalive();

    /// <summary>Writes 'V' then closes, so the kernel stops the timer instead of resetting the machine.</summary>
    void MagicClose();
}
