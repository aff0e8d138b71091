namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>What one write probe of a node's postgres saw: a commit, a refusal, or silence (a frozen or hung server).</summary>
public enum WriteProbe
{
    Accepted,
    Refused,
    NoAnswer,
}
