namespace NodeAgent.Api.Health;

/// <summary>
/// The query parameters a health check understands: <c>lag=</c> (bytes, units allowed) and
/// <c>tag_&lt;key&gt;=&lt;value&gt;</c>. Other parameters are ignored, as in Patroni.
/// </summary>
public sealed record HealthQuery(ulong? MaxLagBytes, IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    public static readonly HealthQuery None = new(null, []);

    private const string TagPrefix = "tag_";

    /// <summary>Builds from first values per key; an unparsable lag means "no lag limit" like Patroni.</summary>
    public static HealthQuery From(IEnumerable<KeyValuePair<string, string>> firstValues)
    {
        ulong? lag = null;
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in firstValues)
        {
            if (key == "lag")
            {
                lag = ByteSize.TryParse(value, out var bytes) ? bytes : null;
            }
            else if (key.StartsWith(TagPrefix, StringComparison.Ordinal))
            {
                tags.Add(new(key[TagPrefix.Length..], value));
            }
        }

        return new HealthQuery(lag, tags);
    }
}
