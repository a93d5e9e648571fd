namespace Peft.Gpu.Kernels;

/// <summary>
/// What a compute pipeline is built from, and the key of the device's pipeline cache: the embedded shader, how
/// many storage buffers it binds and its specialization constants (as ggml-vulkan keys its pipelines).
/// </summary>
/// <param name="Shader">The shader's name (<c>gemm</c> for the embedded <c>Peft.Gpu.Shaders.gemm.spv</c>).</param>
/// <param name="Bindings">The storage buffers at set 0, bindings <c>0…Bindings−1</c>.</param>
/// <param name="Constants">The specialization constants.</param>
public readonly record struct PipelineKey(string Shader, int Bindings, SpecializationConstants Constants)
{
    /// <inheritdoc />
    public override string ToString() => $"{Shader}/{Bindings} {Constants}";
}
