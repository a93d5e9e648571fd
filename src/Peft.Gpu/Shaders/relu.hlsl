// ReLU between chained layers: Dst[i] = max(Src[i], 0), NaN kept (as the runtime's Activation.ReLU and PyTorch).

struct ReLUParameters
{
    uint Count;
};

[[vk::push_constant]] ConstantBuffer<ReLUParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Src;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> Dst;

[numthreads(256, 1, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    uint i = id.x + id.y * 65535u * 256u;
    if (i >= p.Count) return;
    float x = Src[i];
    Dst[i] = x < 0.0 ? 0.0 : x;
}
