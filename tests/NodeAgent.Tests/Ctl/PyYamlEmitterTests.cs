using System.Text.Json.Nodes;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Tests.Ctl;

/// <summary>YAML as PyYAML's safe_dump writes it (Expected/generate_yaml.py ran the real one on yaml-cases.json).</summary>
public sealed class PyYamlEmitterTests
{
    private static readonly JsonObject Cases = (JsonObject)JsonNode.Parse(CtlScenarios.Expected("yaml-cases.json"))!;
    private static readonly JsonObject Expected = (JsonObject)JsonNode.Parse(CtlScenarios.Expected("yaml-expected.json"))!;

    [Fact]
    public void Block_style_matches_pyyaml()
    {
        Assert.Equal((string)Expected["block"]!, PyYamlEmitter.Dump(Cases));
    }

    [Fact]
    public void Flow_style_matches_pyyaml()
    {
        var data = new JsonObject { ["nested"] = Cases["nested"]!.DeepClone(), ["numbers"] = Cases["numbers"]!.DeepClone() };

        Assert.Equal((string)Expected["flow"]!, PyYamlEmitter.Dump(data, flowStyle: true));
    }

    [Fact]
    public void Each_string_alone_matches_pyyaml()
    {
        var strings = (JsonArray)Cases["strings"]!;
        var expected = (JsonArray)Expected["items"]!;
        for (var i = 0; i < strings.Count; i++)
        {
            Assert.Equal((string)expected[i]!, PyYamlEmitter.Dump(strings[i]));
        }
    }
}
