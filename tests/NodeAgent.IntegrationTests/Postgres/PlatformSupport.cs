using System.Runtime.Versioning;

// The postgres tests use POSIX modes, owners and signals: Linux only, like the agent.
[assembly: SupportedOSPlatform("linux")]
