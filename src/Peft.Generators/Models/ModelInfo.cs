using Peft.Generators.Helpers;

namespace Peft.Generators.Models;

/// <summary>One model type and its annotated layers in declaration order: the unit of generated output.</summary>
internal sealed record ModelInfo(HierarchyInfo Hierarchy, EquatableArray<LayerInfo> Layers);
