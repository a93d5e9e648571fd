namespace Peft;

/// <summary>
/// The name under which a module property is registered as a child module (transformers' attribute name, for
/// example <c>q_proj</c>): the library models describe their module graph with it, so that the source generator can
/// resolve the <c>TargetModules</c> of a class-level adapter attribute (<c>[LoRA(TargetModules = ["q_proj"])]</c> on a
/// class deriving from a library model) at compile time. A <see cref="ModuleList{T}"/> property adds one index segment
/// per element (<c>layers.0</c>, <c>layers.1</c>, …) and the generator continues into its element type.
/// </summary>
/// <remarks>
/// The attribute describes; <see cref="Module.RegisterModule{TModule}(string, TModule)"/> in the constructor registers.
/// Both must use the same name (the model tests check every annotated property against the registered children).
/// </remarks>
/// <param name="name">The child module's name, as it appears in module paths and checkpoint keys.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ModuleNameAttribute(string name) : Attribute
{
    /// <summary>The child module's name (<c>q_proj</c>).</summary>
    public string Name { get; } = name;
}
