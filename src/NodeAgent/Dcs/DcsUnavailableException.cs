namespace NodeAgent.Dcs;

/// <summary>etcd could not be reached within the call's deadline (every endpoint tried inside retry_timeout).</summary>
public sealed class DcsUnavailableException : Exception
{
    public DcsUnavailableException()
    {
    }

    public DcsUnavailableException(string message)
        : base(message)
    {
    }

    public DcsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
