namespace Peft.Generators.Methods;

/// <summary>
/// A layer's attach call: <c>global::Peft.LinearAdapterExtensions.{Method}(layer, adapterName, new global::Peft.{Options} { Values… }, kernel)</c>.
/// </summary>
/// <param name="Method">The extension method (<c>AttachLoRA</c>).</param>
/// <param name="Options">The options type in namespace <c>Peft</c> (<c>LoRAOptions</c>).</param>
/// <param name="Values">The object initializer's lines, each ending in a comma.</param>
internal sealed record AttachCall(string Method, string Options, string[] Values);
