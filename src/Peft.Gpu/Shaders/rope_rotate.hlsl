// MoRA RoPE rotation of the chunks (official MoRA mora_type 6, Peft.Runtime's RuntimeMoRAKernel):
//   v = chunk g of row b, v[j] = Src[b·SrcRowStride + (g·r̂ + j) mod SrcWidth]   (the cyclic padding when SrcWidth = in)
//   forward:  z[j] = v[j]·cos(g·θ_j) − v[j + r̂/2]·sin(g·θ_j)   for j < r̂/2
//             z[j] = v[j]·cos(g·θ_{j−r̂/2}) + v[j − r̂/2]·sin(g·θ_{j−r̂/2})   for j ≥ r̂/2   (v·cos + rotate_half(v)·sin)
//   inverse:  the adjoint (rotation by −g·θ): the signs of the sin terms flip.
// Dst is [Batch, Rows, r̂]; Tables holds cos [Rows, r̂/2] then sin [Rows, r̂/2]. One thread per element of Dst.

#include "linear_dispatch.hlsli"

struct RotateParameters
{
    uint Batch;
    uint Rows;
    uint SquareRank;
    uint SrcWidth;
    uint SrcRowStride;
    uint Inverse;
};

[[vk::push_constant]] ConstantBuffer<RotateParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Src;
[[vk::binding(1, 0)]] StructuredBuffer<float> Tables;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> Dst;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint index = LinearIndex(id);
    uint perRow = p.Rows * p.SquareRank;
    if (index >= p.Batch * perRow) return;
    uint b = index / perRow;
    uint rest = index - b * perRow;
    uint g = rest / p.SquareRank;
    uint j = rest - g * p.SquareRank;
    uint half = p.SquareRank / 2;
    bool low = j < half;
    uint partner = low ? j + half : j - half;
    uint angle = g * half + (low ? j : j - half);
    uint rowStart = b * p.SrcRowStride;
    float v = Src[rowStart + (g * p.SquareRank + j) % p.SrcWidth];
    float w = Src[rowStart + (g * p.SquareRank + partner) % p.SrcWidth];
    float c = Tables[angle];
    float s = Tables[p.Rows * half + angle];
    // forward: − for the low half, + for the high half; inverse: the opposite.
    float sign = (low != (p.Inverse != 0)) ? -1.0 : 1.0;
    Dst[index] = v * c + sign * w * s;
}
