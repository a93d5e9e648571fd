// Tiled SGEMM, 128×128 blocks of C, 8 deep in K, 8×8 accumulators per thread (see gemm.hlsli): twice the
// arithmetic per shared-memory read of gemm.hlsl, for products at least 128 on both sides of C.
#define TILE_M 128
#define TILE_N 128
#define TILE_K 8
#define THREAD_M 8
#define THREAD_N 8
#include "gemm.hlsli"
