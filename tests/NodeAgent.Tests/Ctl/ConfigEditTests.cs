using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;
using NodeAgent.Ctl.Commands;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Tests.Ctl;

/// <summary>edit-config's -s/-p, --apply merge and diff, against patronictl 3.0.2 (Expected/generate_edits.py).</summary>
public sealed class ConfigEditTests
{
    private static readonly JsonObject Expected = (JsonObject)JsonNode.Parse(CtlScenarios.Expected("edits-expected.json"))!;

    public static TheoryData<int> SetCases() => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(SetCases))]
    public void Set_pairs_and_the_diff_match_patronictl(int index)
    {
        var expected = Expected["set"]![index]!;
        var config = (JsonObject)Expected["base"]!.DeepClone();
        var before = PyYamlEmitter.Dump(config);

        foreach (var pair in (JsonArray)expected["set"]!)
        {
            ConfigEdits.Set(config, (string)pair!, YamlTree.ParseDocument);
        }

        Assert.True(JsonNode.DeepEquals(expected["result"], config), config.ToJsonString());
        var diff = UnifiedDiff.Lines(Lines(before), Lines(PyYamlEmitter.Dump(config))).ToList();
        Assert.Equal(((JsonArray)expected["diff"]!).Select(l => (string)l!).ToList(), diff);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Apply_merges_like_patch_config(int index)
    {
        var expected = Expected["patch"]![index]!;
        var config = (JsonObject)Expected["base"]!.DeepClone();

        var changed = ConfigEdits.Patch(config, (JsonObject)expected["patch"]!.DeepClone());

        Assert.Equal((bool)expected["changed"]!, changed);
        Assert.True(JsonNode.DeepEquals(expected["result"], config), config.ToJsonString());
    }

    [Fact]
    public void A_pair_without_equals_is_refused()
    {
        var e = Assert.Throws<NodeAgent.Ctl.CtlException>(() => ConfigEdits.Set([], "ttl", YamlTree.ParseDocument));
        Assert.Equal("Invalid parameter setting ttl", e.Message);
    }

    private static List<string> Lines(string text) => [.. text.TrimEnd('\n').Split('\n')];
}
