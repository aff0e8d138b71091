using System.Runtime.Versioning;

// The agent runs postgres as a child and uses POSIX file modes, owners and signals: Linux only.
[assembly: SupportedOSPlatform("linux")]
