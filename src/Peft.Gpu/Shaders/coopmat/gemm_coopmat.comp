#version 450
// Half-precision GEMM on cooperative matrices (VK_KHR_cooperative_matrix: tensor cores on NVIDIA, emulated by
// lavapipe 26): C[M×N] = Alpha·op(A)·op(B) + Beta·C with A and B float16, accumulation and C float32.
// op(A) = A (stored M×K) or Aᵀ (stored K×M) by TransA; op(B) = B (K×N) or Bᵀ (stored N×K) by TransB. Row-major,
// leading dimensions Lda, Ldb (in halves), Ldc. The operands are padded with zeros (Shaders/to_half.hlsl) so that whole
// tiles load without bounds checks: op(A) to a multiple of 2·TM rows, op(B) to 2·TN columns, K to TK. C is written
// through shared memory with bounds checks, so any M×N works; Beta = 0 never reads C (NaN-safe, as BLAS).
// One subgroup per workgroup computes a 2×2 grid of TM×TN accumulators (the tile the device offers, TM, TN, TK and the
// subgroup size as specialization constants). GLSL, not HLSL: glslang compiles KHR cooperative matrices only from
// GLSL, and only from version 13 on, so Debian 12's glslang 12 cannot; the SPIR-V beside this file is checked in,
// compiled by tools/vulkan26.sh glslang (15.2) with the command in Peft.Gpu.Tests' CooperativeMatrixShaderTests,
// which recompiles it and fails when the two differ.
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require

layout(constant_id = 0) const uint TransA = 0;
layout(constant_id = 1) const uint TransB = 0;
layout(constant_id = 2) const uint TM = 16;
layout(constant_id = 3) const uint TN = 16;
layout(constant_id = 4) const uint TK = 16;
layout(constant_id = 5) const uint SubgroupSize = 32;
layout(local_size_x_id = 5, local_size_y = 1, local_size_z = 1) in;

#define TILES_M 2 // HalfGemmShape.TilesPerSide
#define TILES_N 2
const uint BM = TILES_M * TM;
const uint BN = TILES_N * TN;

layout(push_constant) uniform Parameters { uint M; uint N; uint K; uint Lda; uint Ldb; uint Ldc; float Alpha; float Beta; } p;
layout(set = 0, binding = 0) readonly buffer ABuffer { float16_t A[]; };
layout(set = 0, binding = 1) readonly buffer BBuffer { float16_t B[]; };
layout(set = 0, binding = 2) buffer CBuffer { float C[]; };

shared float Cs[BM * BN];

void main()
{
    uint row0 = gl_WorkGroupID.y * BM;
    uint col0 = gl_WorkGroupID.x * BN;
    coopmat<float, gl_ScopeSubgroup, TM, TN, gl_MatrixUseAccumulator> acc[TILES_M][TILES_N];
    for (uint i = 0; i < TILES_M; i++)
        for (uint j = 0; j < TILES_N; j++)
            acc[i][j] = coopmat<float, gl_ScopeSubgroup, TM, TN, gl_MatrixUseAccumulator>(0.0);

    for (uint k0 = 0; k0 < p.K; k0 += TK)
    {
        coopmat<float16_t, gl_ScopeSubgroup, TM, TK, gl_MatrixUseA> a[TILES_M];
        coopmat<float16_t, gl_ScopeSubgroup, TK, TN, gl_MatrixUseB> b[TILES_N];
        for (uint i = 0; i < TILES_M; i++)
        {
            uint m = row0 + i * TM;
            if (TransA != 0)
                coopMatLoad(a[i], A, k0 * p.Lda + m, p.Lda, gl_CooperativeMatrixLayoutColumnMajor);
            else
                coopMatLoad(a[i], A, m * p.Lda + k0, p.Lda, gl_CooperativeMatrixLayoutRowMajor);
        }
        for (uint j = 0; j < TILES_N; j++)
        {
            uint n = col0 + j * TN;
            if (TransB != 0)
                coopMatLoad(b[j], B, n * p.Ldb + k0, p.Ldb, gl_CooperativeMatrixLayoutColumnMajor);
            else
                coopMatLoad(b[j], B, k0 * p.Ldb + n, p.Ldb, gl_CooperativeMatrixLayoutRowMajor);
        }
        for (uint i = 0; i < TILES_M; i++)
            for (uint j = 0; j < TILES_N; j++)
                acc[i][j] = coopMatMulAdd(a[i], b[j], acc[i][j]);
    }

    for (uint i = 0; i < TILES_M; i++)
        for (uint j = 0; j < TILES_N; j++)
            coopMatStore(acc[i][j], Cs, i * TM * BN + j * TN, BN, gl_CooperativeMatrixLayoutRowMajor);
    barrier();

    for (uint e = gl_LocalInvocationID.x; e < BM * BN; e += SubgroupSize)
    {
        uint row = row0 + e / BN;
        uint col = col0 + e % BN;
        if (row < p.M && col < p.N)
        {
            uint at = row * p.Ldc + col;
            float value = p.Alpha * Cs[e];
            C[at] = p.Beta != 0.0 ? value + p.Beta * C[at] : value;
        }
    }
}
