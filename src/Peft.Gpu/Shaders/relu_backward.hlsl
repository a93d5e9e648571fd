// ReLU's backward as PyTorch's threshold_backward (and the runtime's Activation.ReLUBackward):
// Dx[i] = Activation[i] <= 0 ? 0 : Dy[i] (a NaN activation passes Dy), Activation being the ReLU's input.

#include "linear_dispatch.hlsli"

struct ReLUParameters
{
    uint Count;
};

[[vk::push_constant]] ConstantBuffer<ReLUParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Dy;
[[vk::binding(1, 0)]] StructuredBuffer<float> Activation;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> Dx;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint i = LinearIndex(id);
    if (i >= p.Count) return;
    Dx[i] = Activation[i] <= 0.0 ? 0.0 : Dy[i];
}
