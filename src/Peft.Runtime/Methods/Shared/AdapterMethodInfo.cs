using System.Collections.Generic;

namespace Peft.Methods;

/// <summary>
/// The shared description of one adapter method: its attribute, its arguments (defaults, valid ranges,
/// diagnostic ids) and the layer types it serves. The runtime validates options with it, the generator
/// reads attributes with it and the analyzers judge arguments with it, so the three cannot disagree.
/// </summary>
internal sealed class AdapterMethodInfo
{
    public AdapterMethodInfo(AdapterMethod method, string attributeName, string displayName, string[] layerTypes, AdapterArgument[] arguments)
    {
        Method = method;
        AttributeName = attributeName;
        DisplayName = displayName;
        LayerTypes = layerTypes;
        Arguments = arguments;
    }

    /// <summary>Which method.</summary>
    public AdapterMethod Method { get; }

    /// <summary>The attribute's name without <c>Attribute</c>, as written in source (<c>LoRAPlus</c>).</summary>
    public string AttributeName { get; }

    /// <summary>The attribute's metadata name (<c>Peft.LoRAPlusAttribute</c>).</summary>
    public string AttributeMetadataName => "Peft." + AttributeName + "Attribute";

    /// <summary>The method's name in prose and error messages (<c>LoRA+</c>).</summary>
    public string DisplayName { get; }

    /// <summary>The generic layer types (metadata names without arity, namespace <c>Peft</c>) the method can adapt.</summary>
    public IReadOnlyList<string> LayerTypes { get; }

    /// <summary>The attribute's named arguments.</summary>
    public IReadOnlyList<AdapterArgument> Arguments { get; }

    /// <summary>The argument called <paramref name="name"/>, or null when the method has none.</summary>
    public AdapterArgument? FindArgument(string name)
    {
        foreach (AdapterArgument argument in Arguments)
        {
            if (argument.Name == name)
            {
                return argument;
            }
        }

        return null;
    }
}
