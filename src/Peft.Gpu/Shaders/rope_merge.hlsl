// MoRA RoPE's merge: Dst[o, i] += ΔW[o, i] for o < Out, i < In, from T = M·R_g laid out [r̂, Rows·r̂]
// (T[q, g·r̂ + j] = (M·R_g)[q, j], written by rope_rotate.hlsl's inverse rotation of M's rows). Output o reads h at
// c = o mod (Rows·r̂) (the tiling of the forward), i.e. row q = c mod r̂ of chunk g = c / r̂, and chunk g covers the
// cyclically padded inputs k ∈ [g·r̂, (g+1)·r̂), x̄[k] = x[k mod In]:
//   ΔW[o, i] = Σ_{k ≡ i (mod In), g·r̂ ≤ k < (g+1)·r̂} T[q, k]
// One thread per element of Dst.

#include "linear_dispatch.hlsli"

struct RoPEMergeParameters
{
    uint Out;
    uint In;
    uint SquareRank;
    uint Rows;
};

[[vk::push_constant]] ConstantBuffer<RoPEMergeParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> T;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> Dst;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint index = LinearIndex(id);
    if (index >= p.Out * p.In) return;
    uint o = index / p.In;
    uint i = index - o * p.In;
    uint width = p.Rows * p.SquareRank;
    uint c = o % width;
    uint q = c % p.SquareRank;
    uint start = c - q; // g·r̂
    uint end = start + p.SquareRank;
    // The first k ≥ start with k ≡ i (mod In).
    uint k = start + (i + p.In - start % p.In) % p.In;
    float sum = 0.0;
    for (; k < end; k += p.In)
        sum += T[q * width + k];
    Dst[index] += sum;
}
