namespace Peft.Gpu.Kernels;

/// <summary>
/// A block shape of the tiled SGEMM (<c>Shaders/gemm.hlsli</c>) and the shader compiled with it: a 16×16 workgroup
/// computes a <see cref="TileM"/>×<see cref="TileN"/> block of C, <see cref="TileK"/> deep per shared-memory stage,
/// <see cref="ThreadM"/>×<see cref="ThreadN"/> accumulators per thread.
/// </summary>
public sealed record GemmTile(string Shader, int TileM, int TileN, int TileK, int ThreadM, int ThreadN);
