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
    /// <summary>Parses a document whose top level is a mapping. Throws <see cref="YamlSyntaxException"/>.</summary>
    public static JsonObject ParseMapping(string text)
    {
        var node = ParseDocument(text);
        return node switch
        {
            JsonObject obj => obj,
            null => throw new YamlSyntaxException(0, 0, "the configuration is empty"),
            _ => throw new YamlSyntaxException(1, 1, "the top level must be a mapping of keys to values"),
        };
    }

    /// <summary>Parses a single document of any shape; null for an empty document.</summary>
    public static JsonNode? ParseDocument(string text)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            var message = e.InnerException is YamlException inner ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new YamlSyntaxException(e.Start.Line, e.Start.Column, StripLocation(message));
        }
        catch (ArgumentException e)
        {
            // YamlMappingNode reports a duplicated key this way.
            throw new YamlSyntaxException(0, 0, e.Message);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlScalarNode scalar => YamlScalars.Resolve(scalar),
        YamlSequenceNode sequence => ConvertSequence(sequence),
        YamlMappingNode mapping => ConvertMapping(mapping),
        _ => null,
    };

    private static JsonArray ConvertSequence(YamlSequenceNode sequence)
    {
        var array = new JsonArray();
        foreach (var child in sequence.Children)
        {
            array.Add(Convert(child));
        }

        return array;
    }

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode keyScalar)
            {
                throw new YamlSyntaxException(key.Start.Line, key.Start.Column, "a mapping key must be a plain value");
            }

            var name = keyScalar.Value ?? "";

            // PyYAML keeps the last of duplicated keys.
            obj[name] = Convert(value);
        }

        return obj;
    }

    private static string StripLocation(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 40) - (Line: ...): "; the location is reported separately.
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0 ? message[(cut + 3)..] : message;
    }
}
