using System;
using System.Collections.Generic;

namespace Peft.Methods;

/// <summary>
/// The shared description of one adapter method: its attribute, its arguments (defaults, valid ranges,
/// diagnostic ids), the layer types it serves and the rule its values must meet on a layer of known shape. The
/// runtime validates options with it, the generator reads attributes with it and the analyzers judge arguments
/// with it, so the three cannot disagree.
/// </summary>
internal sealed class AdapterMethodInfo
{
    private readonly AdapterShapeRule _fitsShape;

    public AdapterMethodInfo(
        AdapterMethod method,
        string attributeName,
        string displayName,
        string[] layerTypes,
        AdapterArgument[] arguments,
        AdapterShapeRule fitsShape,
        bool rankIsInnerDimension,
        AdapterRule[]? rules = null)
    {
        Method = method;
        AttributeName = attributeName;
        DisplayName = displayName;
        LayerTypes = layerTypes;
        Arguments = arguments;
        _fitsShape = fitsShape;
        RankIsInnerDimension = rankIsInnerDimension;
        Rules = rules ?? [];
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

    /// <summary>
    /// Whether r is an inner dimension of ΔW (LoRA's <c>B·A</c>), so that <c>r &gt; min(in, out)</c> only adds
    /// parameters (PEFT0004). MoRA's r only sets the budget of its square matrix.
    /// </summary>
    public bool RankIsInnerDimension { get; }

    /// <summary>Rules over several arguments (none for most methods).</summary>
    public IReadOnlyList<AdapterRule> Rules { get; }

    /// <summary>The first rule the values (by name) break, or null when all hold.</summary>
    public AdapterRule? BrokenRule(Func<string, double> argument)
    {
        foreach (AdapterRule rule in Rules)
        {
            if (!rule.Holds(argument))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>Whether the values fit an <c>in → out</c> layer (the method's shape rule).</summary>
    public bool FitsShape(Func<string, double> argument, int inFeatures, int outFeatures) => _fitsShape(argument, inFeatures, outFeatures);

    /// <summary>The position of argument <paramref name="name"/> in <see cref="Arguments"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Arguments.Count; i++)
        {
            if (Arguments[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

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
