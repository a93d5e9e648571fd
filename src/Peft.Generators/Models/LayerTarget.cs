namespace Peft.Generators.Models;

/// <summary>What the transform extracts from one annotated member: the model it belongs to and the layer.</summary>
internal sealed record LayerTarget(HierarchyInfo Model, LayerInfo Layer);
