// Tiled SGEMM, 64×64 blocks of C, 16 deep in K, 4×4 accumulators per thread (see gemm.hlsli): small and skinny
// products (the low-rank ones, small batches) waste the least work at this size.
#define TILE_M 64
#define TILE_N 64
#define TILE_K 16
#define THREAD_M 4
#define THREAD_N 4
#include "gemm.hlsli"
