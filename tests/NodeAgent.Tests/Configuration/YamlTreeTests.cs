using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Tests.Configuration;

public sealed class YamlTreeTests
{
    [Fact]
    public void Plain_scalars_are_typed_like_pyyaml()
    {
        var tree = YamlTree.ParseMapping("""
            a: on
            b: 'on'
            c: 5432
            d: "5432"
            e: 0755
            f: 0.9
            g: 1e3
            h: ~
            i: Yes
            j: 0x1F
            k: -7
            l: 10.0.0.1:2379
            """);

        Assert.Equal("""{"a":true,"b":"on","c":5432,"d":"5432","e":493,"f":0.9,"g":"1e3","h":null,"i":true,"j":31,"k":-7,"l":"10.0.0.1:2379"}""", tree.ToJsonString());
    }

    [Fact]
    public void Syntax_error_carries_line_and_column()
    {
        var e = Assert.Throws<YamlSyntaxException>(() => YamlTree.ParseMapping("a:\n  b: 1\n c: 2\n"));

        Assert.Equal(3, e.Line);
        Assert.True(e.Column > 0);
    }

    [Fact]
    public void Top_level_list_is_rejected()
    {
        Assert.Throws<YamlSyntaxException>(() => YamlTree.ParseMapping("- a\n- b\n"));
    }
}
