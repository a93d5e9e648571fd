// ReLU between chained layers: Dst[i] = max(Src[i], 0), NaN kept (as the runtime's Activation.ReLU and PyTorch).

#include "linear_dispatch.hlsli"

struct ReLUParameters
{
    uint Count;
};

[[vk::push_constant]] ConstantBuffer<ReLUParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Src;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> Dst;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint i = LinearIndex(id);
    if (i >= p.Count) return;
    float x = Src[i];
    Dst[i] = x < 0.0 ? 0.0 : x;
}
