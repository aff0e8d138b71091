namespace NodeAgent.Routing;

/// <summary>HAProxy's runtime API refused a command or answered something a push cannot use.</summary>
public sealed class RuntimeApiException(string message) : Exception(message);
