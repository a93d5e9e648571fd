// Tiled SGEMM, included by gemm.hlsl (64×64 blocks) and gemm_large.hlsl (128×128 blocks) after they define
// TILE_M, TILE_N, TILE_K (the block of C and the K step) and THREAD_M, THREAD_N (the accumulators per thread).
//   C[M×N] = alpha·op(A)·op(B) + beta·C, row-major with leading dimensions lda, ldb, ldc.
// op(A) = A (M×K) or Aᵀ (A stored K×M) by the specialization constant TransA; op(B) likewise (K×N, or Bᵀ with B
// stored N×K). beta = 0 writes alpha·op(A)·op(B) without reading C (NaN-safe, as BLAS).
// A 16×16 workgroup stages both operand tiles in group-shared memory per K step; each thread accumulates a
// THREAD_M×THREAD_N register block (rows ty + 16i, columns tx + 16j, so that neighbouring threads read
// neighbouring shared-memory words).

[[vk::constant_id(0)]] const uint TransA = 0;
[[vk::constant_id(1)]] const uint TransB = 0;

struct GemmParameters
{
    uint M;
    uint N;
    uint K;
    uint Lda;
    uint Ldb;
    uint Ldc;
    float Alpha;
    float Beta;
};

[[vk::push_constant]] ConstantBuffer<GemmParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> A;
[[vk::binding(1, 0)]] StructuredBuffer<float> B;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> C;

#define THREADS 256
#define LOADS_A (TILE_M * TILE_K / THREADS)
#define LOADS_B (TILE_N * TILE_K / THREADS)

groupshared float As[TILE_K][TILE_M + 1]; // As[k][m] = op(A)[row0 + m, k0 + k]
groupshared float Bs[TILE_K][TILE_N + 1]; // Bs[k][n] = op(B)[k0 + k, col0 + n]

// op(A)[m, k], zero outside M×K.
float LoadA(uint m, uint k)
{
    if (m >= p.M || k >= p.K) return 0.0;
    return TransA != 0 ? A[k * p.Lda + m] : A[m * p.Lda + k];
}

// op(B)[k, n], zero outside K×N.
float LoadB(uint k, uint n)
{
    if (k >= p.K || n >= p.N) return 0.0;
    return TransB != 0 ? B[n * p.Ldb + k] : B[k * p.Ldb + n];
}

[numthreads(16, 16, 1)]
void main(uint3 group : SV_GroupID, uint3 thread : SV_GroupThreadID)
{
    uint tx = thread.x;
    uint ty = thread.y;
    uint threadIndex = ty * 16 + tx;
    uint row0 = group.y * TILE_M;
    uint col0 = group.x * TILE_N;

    float acc[THREAD_M][THREAD_N];
    [unroll] for (uint i = 0; i < THREAD_M; i++)
        [unroll] for (uint j = 0; j < THREAD_N; j++)
            acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < p.K; k0 += TILE_K)
    {
        // TILE_M×TILE_K and TILE_K×TILE_N elements per K step; consecutive threads read consecutive addresses.
        [unroll] for (uint e = 0; e < LOADS_A; e++)
        {
            uint index = threadIndex + e * THREADS;
            uint am = TransA != 0 ? index % TILE_M : index / TILE_K;
            uint ak = TransA != 0 ? index / TILE_M : index % TILE_K;
            As[ak][am] = LoadA(row0 + am, k0 + ak);
        }

        [unroll] for (uint e2 = 0; e2 < LOADS_B; e2++)
        {
            uint index = threadIndex + e2 * THREADS;
            uint bn = TransB != 0 ? index / TILE_K : index % TILE_N;
            uint bk = TransB != 0 ? index % TILE_K : index / TILE_N;
            Bs[bk][bn] = LoadB(k0 + bk, col0 + bn);
        }

        GroupMemoryBarrierWithGroupSync();
        [unroll] for (uint k = 0; k < TILE_K; k++)
        {
            float a[THREAD_M];
            float b[THREAD_N];
            [unroll] for (uint i = 0; i < THREAD_M; i++) a[i] = As[k][ty + 16 * i];
            [unroll] for (uint j = 0; j < THREAD_N; j++) b[j] = Bs[k][tx + 16 * j];
            [unroll] for (uint i = 0; i < THREAD_M; i++)
                [unroll] for (uint j = 0; j < THREAD_N; j++)
                    acc[i][j] = mad(a[i], b[j], acc[i][j]);
        }

        GroupMemoryBarrierWithGroupSync();
    }

    [unroll] for (uint i = 0; i < THREAD_M; i++)
    {
        uint row = row0 + ty + 16 * i;
        if (row >= p.M) continue;
        [unroll] for (uint j = 0; j < THREAD_N; j++)
        {
            uint col = col0 + tx + 16 * j;
            if (col >= p.N) continue;
            uint at = row * p.Ldc + col;
            C[at] = p.Beta != 0.0 ? p.Alpha * acc[i][j] + p.Beta * C[at] : p.Alpha * acc[i][j];
        }
    }
}
