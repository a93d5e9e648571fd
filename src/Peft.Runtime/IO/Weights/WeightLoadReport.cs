namespace Peft.IO;

/// <summary>What <see cref="ModuleWeightsExtensions.LoadWeights(Module, SafetensorsFile, Func{string, string?}?, bool)"/> did.</summary>
/// <param name="Loaded">Parameter paths that received values.</param>
/// <param name="Missing">Parameter paths whose tensor the file lacks (only when not strict).</param>
/// <param name="Unused">File tensors no parameter asked for (buffers, heads of another task, …).</param>
public sealed record WeightLoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unused);
