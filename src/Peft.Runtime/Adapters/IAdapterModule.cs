namespace Peft;

/// <summary>
/// Marks a module as an adapter (every <see cref="Adapter{T}"/>, whatever its element type and method, and <see cref="EmbeddingLoRAAdapter{T}"/>), so
/// that code walking a model recognises adapter tensors by their owner rather than by a list of roles.
/// </summary>
internal interface IAdapterModule
{
}
