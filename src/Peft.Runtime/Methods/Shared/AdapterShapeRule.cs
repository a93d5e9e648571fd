using System;

namespace Peft.Methods;

/// <summary>
/// Whether a method's configuration fits an <c>in → out</c> layer (LoRA: <c>r ≤ min(in, out)</c>; MoRA: a usable
/// r̂). <paramref name="argument"/> returns an attribute argument's value by name (its default when unwritten).
/// </summary>
internal delegate bool AdapterShapeRule(Func<string, double> argument, int inFeatures, int outFeatures);
