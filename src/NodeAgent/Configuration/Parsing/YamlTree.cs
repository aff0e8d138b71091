using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// Reads YAML with YamlDotNet's low-level <see cref="YamlStream"/> (the reflection deserializer does not
/// survive native AOT) into a JSON tree, resolving plain scalars the way PyYAML's safe_load does, so that
/// <c>bootstrap.dcs</c> can be written to etcd exactly as Patroni would write it.
/// </summary>
internal static class YamlTree
{
    /// <summary>Aliases can make a small text expand without bound ("billion laughs"); no config needs this many values.</summary>
    public const int MaxValues = 100_000;

    /// <summary>Parses a document whose top level is a mapping. Throws <see cref="YamlSyntaxException"/> only.</summary>
    public static JsonObject ParseMapping(string text) => ParseMapping(text, null);

    /// <summary>As above, recording where each key path starts (line, column) in <paramref name="locations"/>.</summary>
    public static JsonObject ParseMapping(string text, IDictionary<string, (long Line, long Column)>? locations)
    {
        var node = ParseDocument(text, locations);
        return node switch
        {
            JsonObject obj => obj,
            null => throw new YamlSyntaxException(0, 0, "the configuration is empty"),
            _ => throw new YamlSyntaxException(1, 1, "the top level must be a mapping of keys to values"),
        };
    }

    /// <summary>Parses a single document of any shape; null for an empty document. Throws <see cref="YamlSyntaxException"/> only.</summary>
    public static JsonNode? ParseDocument(string text) => ParseDocument(text, null);

    private static JsonNode? ParseDocument(string text, IDictionary<string, (long Line, long Column)>? locations)
    {
        ArgumentNullException.ThrowIfNull(text);
        YamlSyntaxCheck.Run(text);
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The events were fine, so this is the node builder: a duplicated key (ArgumentException) or an alias
            // it cannot resolve.
            var at = e is YamlException y ? y.Start : Mark.Empty;
            throw new YamlSyntaxException(at.Line, at.Column, e.Message) { Key = at.Line > 0 ? YamlKeyLocator.KeyAt(text, at.Line) : null };
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        return new Converter(locations).Convert(stream.Documents[0].RootNode, "");
    }

    private sealed class Converter(IDictionary<string, (long Line, long Column)>? locations)
    {
        private int _values;

        public JsonNode? Convert(YamlNode node, string path)
        {
            if (++_values > MaxValues)
            {
                throw new YamlSyntaxException(node.Start.Line, node.Start.Column, $"the document expands to more than {MaxValues} values (aliases?)");
            }

            return node switch
            {
                YamlScalarNode scalar => YamlScalars.Resolve(scalar),
                YamlSequenceNode sequence => ConvertSequence(sequence, path),
                YamlMappingNode mapping => ConvertMapping(mapping, path),
                _ => null,
            };
        }

        private JsonArray ConvertSequence(YamlSequenceNode sequence, string path)
        {
            var array = new JsonArray();
            foreach (var child in sequence.Children)
            {
                array.Add(Convert(child, path));
            }

            return array;
        }

        private JsonObject ConvertMapping(YamlMappingNode mapping, string path)
        {
            var obj = new JsonObject();
            foreach (var (key, value) in mapping.Children)
            {
                if (key is not YamlScalarNode keyScalar)
                {
                    throw new YamlSyntaxException(key.Start.Line, key.Start.Column, "a mapping key must be a plain value") { Key = path.Length > 0 ? path : null };
                }

                var name = keyScalar.Value ?? "";
                var child = path.Length == 0 ? name : path + "." + name;
                locations?.TryAdd(child, (key.Start.Line, key.Start.Column));

                // PyYAML keeps the last of duplicated keys.
                obj[name] = Convert(value, child);
            }

            return obj;
        }
    }
}
