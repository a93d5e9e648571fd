// AdamW, element-wise, in the order of PyTorch's single-tensor AdamW (and Peft.Runtime's AdamWKernel):
//   p ← p·(1 − lr·wd)                                  (only when wd ≠ 0)
//   m ← lerp(m, g, 1 − β1)                             (torch.lerp: g − (g − m)·β1 when 1 − β1 ≥ 0.5)
//   v ← v·β2 + (1 − β2)·g·g
//   p ← p − (lr/(1 − β1ᵗ))·m / (√v/√(1 − β2ᵗ) + ε)
// The per-step scalars are computed on the host in double (they change with t and the learning rate) and read
// from Coefficients[CoefficientOffset ...], so that a recorded command buffer can be submitted again unchanged.

#include "linear_dispatch.hlsli"

struct AdamWParameters
{
    uint Count;
    uint CoefficientOffset;
};

[[vk::push_constant]] ConstantBuffer<AdamWParameters> p;
[[vk::binding(0, 0)]] RWStructuredBuffer<float> Value;
[[vk::binding(1, 0)]] StructuredBuffer<float> Gradient;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> ExpAvg;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> ExpAvgSq;
[[vk::binding(4, 0)]] StructuredBuffer<float> Coefficients;

[numthreads(LINEAR_GROUP_SIZE, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint i = LinearIndex(id);
    if (i >= p.Count) return;
    uint c = p.CoefficientOffset;
    float decayFactor = Coefficients[c + 0];
    float lerpWeight = Coefficients[c + 1];      // 1 − β1
    float lerpComplement = Coefficients[c + 2];  // β1
    float beta2 = Coefficients[c + 3];
    float oneMinusBeta2 = Coefficients[c + 4];
    float negativeStep = Coefficients[c + 5];    // −lr/(1 − β1ᵗ)
    float correction2 = Coefficients[c + 6];     // √(1 − β2ᵗ)
    float epsilon = Coefficients[c + 7];
    bool decay = Coefficients[c + 8] != 0.0;
    bool lerpFromEnd = Coefficients[c + 9] != 0.0;

    float pv = Value[i];
    float g = Gradient[i];
    float m = ExpAvg[i];
    float v = ExpAvgSq[i];
    if (decay) pv *= decayFactor;
    m = lerpFromEnd ? g - (g - m) * lerpComplement : m + lerpWeight * (g - m);
    v = v * beta2 + oneMinusBeta2 * g * g;
    float denominator = sqrt(v) / correction2 + epsilon;
    pv += negativeStep * m / denominator;
    Value[i] = pv;
    ExpAvg[i] = m;
    ExpAvgSq[i] = v;
}
