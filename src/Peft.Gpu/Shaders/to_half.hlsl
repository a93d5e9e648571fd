// A float32 matrix (Rows×Cols, leading dimension Ld) into a zero-padded float16 copy PaddedRows×PaddedCols, row-major,
// two halves per 32-bit word (element 2w in the low half): the operands of the half-precision GEMM
// (coopmat/gemm_coopmat.comp), which loads whole tiles without bounds checks. Rounds to nearest (f32tof16).

#include "linear_dispatch.hlsli"

struct ToHalfParameters
{
    uint Rows;
    uint Cols;
    uint Ld;
    uint PaddedCols;
    uint Words;
};

[[vk::push_constant]] ConstantBuffer<ToHalfParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Src;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> Dst;

float At(uint row, uint col)
{
    return row < p.Rows && col < p.Cols ? Src[row * p.Ld + col] : 0.0;
}

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint w = LinearIndex(id);
    if (w >= p.Words) return;
    uint row = (2 * w) / p.PaddedCols;
    uint col = (2 * w) % p.PaddedCols;
    Dst[w] = f32tof16(At(row, col)) | (f32tof16(At(row, col + 1)) << 16);
}
