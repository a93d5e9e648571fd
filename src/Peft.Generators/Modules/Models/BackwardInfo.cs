using Peft.Generators.Helpers;
using Peft.ModuleAnalysis;

namespace Peft.Generators.Modules.Models;

/// <summary>A differentiable <c>Forward</c> and the names of the gradient fields its Backward uses.</summary>
/// <param name="Graph">The module calls of Forward (value-equatable).</param>
/// <param name="GradientFields">Per call, the field holding dL/d(its output); empty for the call whose output Forward returns (its gradient is the caller's).</param>
internal sealed record BackwardInfo(ForwardGraph Graph, EquatableArray<string> GradientFields);
