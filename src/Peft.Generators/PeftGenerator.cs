using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators;

/// <summary>
/// Emits rank-specialized adapter kernels and model plumbing for layers annotated with
/// <c>[LoRA]</c>, <c>[LoRAPlus]</c> or <c>[MoRA]</c>.
/// </summary>
/// <remarks>
/// The pipeline: one <c>ForAttributeWithMetadataName</c> per attribute turns each annotated member
/// into a symbol-free <see cref="LayerTarget"/> (<c>PeftGenerator.Parse.cs</c>); the three streams
/// are grouped into one <see cref="ModelInfo"/> per model type; each model becomes one source file
/// (<c>PeftGenerator.Emit*.cs</c>), and the distinct (rank, element type) pairs of the LoRA layers become one file
/// of rank-unrolled loops for the whole compilation. Invalid members produce no output; the analyzers report them.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class PeftGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, used by the incrementality tests.</summary>
    public static class TrackingNames
    {
        public const string LoRALayers = nameof(LoRALayers);
        public const string LoRAPlusLayers = nameof(LoRAPlusLayers);
        public const string MoRALayers = nameof(MoRALayers);

        /// <summary>The tracking name of one method's layer stream: <c>{Attribute}Layers</c>.</summary>
        internal static string Layers(AdapterMethod method) => AdapterMethods.Get(method).AttributeName + "Layers";
        public const string AllLayers = nameof(AllLayers);
        public const string Models = nameof(Models);
        public const string LowRankLoops = nameof(LowRankLoops);

        /// <summary>The classes with class-level adapter attributes (<c>TargetModules</c>), de-duplicated and ordered.</summary>
        public const string TargetedModels = nameof(TargetedModels);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One stream per registered method (the shared registry), concatenated in registry order.
        IncrementalValueProvider<ImmutableArray<LayerTarget>>? collected = null;
        foreach (AdapterMethodInfo method in AdapterMethods.All)
        {
            var layers = Layers(context, method).Collect();
            collected = collected is { } previous
                ? previous.Combine(layers).Select(static (pair, _) => pair.Left.AddRange(pair.Right))
                : layers;
        }

        var all = collected!.Value
            .Select(static (layers, _) => new EquatableArray<LayerTarget>(layers))
            .WithTrackingName(TrackingNames.AllLayers);

        var models = all
            .SelectMany(static (layers, token) => GroupByModel(layers, token))
            .WithTrackingName(TrackingNames.Models);

        // GPU descriptors when the compilation references Peft.Gpu (PeftGenerator.EmitGpu.cs).
        var gpu = context.CompilationProvider.Select(static (compilation, _) => ReferencesGpu(compilation));
        context.RegisterSourceOutput(models.Combine(gpu), static (output, pair) =>
            output.AddSource(pair.Left.Hierarchy.HintName, EmitModelSource(pair.Left, pair.Right, output.CancellationToken)));

        // Class-level attributes: every method's stream reads the whole class, so a class found twice is one model.
        IncrementalValueProvider<ImmutableArray<TargetedModelInfo>>? classes = null;
        foreach (AdapterMethodInfo method in AdapterMethods.All)
        {
            var found = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    method.AttributeMetadataName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (syntax, token) => ParseTargetedModel(syntax, token))
                .Where(static model => model is not null)
                .Select(static (model, _) => model!)
                .Collect();
            classes = classes is { } previous
                ? previous.Combine(found).Select(static (pair, _) => pair.Left.AddRange(pair.Right))
                : found;
        }

        var targeted = classes!.Value
            .Select(static (found, _) => new EquatableArray<TargetedModelInfo>(found
                .Distinct()
                .OrderBy(static model => model.HintName, StringComparer.Ordinal)
                .ToArray()))
            .WithTrackingName(TrackingNames.TargetedModels);

        context.RegisterSourceOutput(targeted.SelectMany(static (models, _) => models), static (output, model) =>
            output.AddSource(model.HintName, EmitTargetedModelSource(model, output.CancellationToken)));

        // The rank-unrolled loops, once per compilation: every model's LoRA layers of one rank and type share them.
        var loops = all
            .Combine(targeted)
            .Select(static (pair, _) => LowRankLoopKeys(pair.Left.Select(static target => target.Layer)
                .Concat(pair.Right.SelectMany(static model => model.Groups.Select(static group => group.Layer)))))
            .WithTrackingName(TrackingNames.LowRankLoops);

        context.RegisterSourceOutput(loops, static (output, keys) =>
        {
            if (keys.Length != 0)
            {
                output.AddSource(LowRankLoopsHintName, EmitLowRankLoopsSource(keys, output.CancellationToken));
            }
        });
    }

    private static IncrementalValuesProvider<LayerTarget> Layers(IncrementalGeneratorInitializationContext context, AdapterMethodInfo info)
    {
        AdapterMethod method = info.Method;
        return context.SyntaxProvider
            .ForAttributeWithMetadataName(
                info.AttributeMetadataName,
                static (node, _) => IsCandidateMember(node),
                (syntax, token) => ParseLayer(syntax, method, token))
            .Where(static target => target is not null)
            .Select(static (target, _) => target!)
            .WithTrackingName(TrackingNames.Layers(method));
    }

    /// <summary>
    /// Groups layers by model, drops members that carry more than one adapter attribute (an
    /// invalid configuration the analyzers report) and orders models by hint name and layers by
    /// declaration order, so output never depends on discovery order.
    /// </summary>
    private static ImmutableArray<ModelInfo> GroupByModel(EquatableArray<LayerTarget> layers, System.Threading.CancellationToken token)
    {
        var byModel = new Dictionary<HierarchyInfo, List<LayerInfo>>();
        foreach (LayerTarget target in layers)
        {
            token.ThrowIfCancellationRequested();
            if (!byModel.TryGetValue(target.Model, out var list))
            {
                list = [];
                byModel.Add(target.Model, list);
            }

            list.Add(target.Layer);
        }

        var models = ImmutableArray.CreateBuilder<ModelInfo>(byModel.Count);
        foreach (var pair in byModel.OrderBy(static p => p.Key.HintName, StringComparer.Ordinal))
        {
            LayerInfo[] unique = pair.Value
                .GroupBy(static layer => layer.MemberName, StringComparer.Ordinal)
                .Where(static group => group.Count() == 1)
                .Select(static group => group.First())
                .OrderBy(static layer => layer.DeclarationIndex)
                .ThenBy(static layer => layer.MemberName, StringComparer.Ordinal)
                .ToArray();
            if (unique.Length != 0)
            {
                models.Add(new ModelInfo(pair.Key, new EquatableArray<LayerInfo>(unique)));
            }
        }

        return models.ToImmutable();
    }
}
