// Periodic fold (MoRA sharing's compression and decompression, their adjoints, the MoRA merge, bias rows):
//   dst[b, j] = beta·dst[b, j] + Σ_{t ≥ 0, k = j + t·DstWidth < Length} src[srcRow(b)·SrcRowStride + k mod SrcWidth]
// with srcRow(b) = b mod SrcRowPeriod, for b < Rows and j < DstWidth. One thread per destination element.
//   compress x → c:         DstWidth r̂,  Length P = ⌈in/r̂⌉·r̂, SrcWidth in   (c[j] = Σ_g x[(g·r̂ + j) mod in])
//   decompress h → Δy:      DstWidth out, Length out,            SrcWidth r̂, beta 1 (Δy[o] = h[o mod r̂])
//   adjoint of decompress:  DstWidth r̂,  Length out,            SrcWidth out (dh[j] = Σ_{o ≡ j} dY[o])
//   adjoint of compress:    DstWidth in,  Length P,              SrcWidth r̂ (dx[i] = Σ_{k ≡ i mod in} dc[k mod r̂])
//   bias rows:              DstWidth out, Length out, SrcWidth out, SrcRowStride 0 (y[b, o] = bias[o])
//   merge ΔW = decompress·M·compress: Rows out, DstWidth in, Length P, SrcWidth r̂, SrcRowStride r̂, SrcRowPeriod r̂, beta 1.

#include "linear_dispatch.hlsli"

struct FoldParameters
{
    uint Rows;
    uint DstWidth;
    uint SrcWidth;
    uint SrcRowStride;
    uint SrcRowPeriod;
    uint Length;
    float Beta;
};

[[vk::push_constant]] ConstantBuffer<FoldParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Src;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> Dst;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint index = LinearIndex(id);
    if (index >= p.Rows * p.DstWidth) return;
    uint b = index / p.DstWidth;
    uint j = index - b * p.DstWidth;
    uint source = (b % p.SrcRowPeriod) * p.SrcRowStride;
    float sum = 0.0;
    for (uint k = j; k < p.Length; k += p.DstWidth)
        sum += Src[source + k % p.SrcWidth];
    Dst[index] = p.Beta != 0.0 ? p.Beta * Dst[index] + sum : sum;
}
