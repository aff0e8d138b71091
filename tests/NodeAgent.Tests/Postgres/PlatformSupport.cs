using System.Runtime.Versioning;

// Postgres unit tests touch Linux-only agent types.
[assembly: SupportedOSPlatform("linux")]
