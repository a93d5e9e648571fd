// Softmax cross-entropy with mean reduction over B rows of C classes (PyTorch's cross_entropy; Peft.Runtime's
// SoftmaxCrossEntropy): ℓ_b = m + log Σ_j e^{z_j − m} − z_target, m = max_j z_j;
// ∂L/∂z_j = (softmax(z)_j − [j = target]) / B. One 256-thread workgroup per row; Loss[b] = ℓ_b (the host
// or a later reduction takes the mean). The gradient buffer may not alias the logits.

struct CrossEntropyParameters
{
    uint Rows;
    uint Classes;
};

[[vk::push_constant]] ConstantBuffer<CrossEntropyParameters> p;
[[vk::binding(0, 0)]] StructuredBuffer<float> Logits;
[[vk::binding(1, 0)]] StructuredBuffer<uint> Targets;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> Gradient;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> Loss;

#define THREADS 256
groupshared float Partial[THREADS];

[numthreads(THREADS, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 thread : SV_GroupThreadID)
{
    uint row = group.x;
    uint t = thread.x;
    uint start = row * p.Classes;

    // m = max_j z_j (tree reduction in shared memory)
    float localMax = -3.402823466e+38;
    for (uint j = t; j < p.Classes; j += THREADS) localMax = max(localMax, Logits[start + j]);
    Partial[t] = localMax;
    GroupMemoryBarrierWithGroupSync();
    for (uint s = THREADS / 2; s > 0; s >>= 1)
    {
        if (t < s) Partial[t] = max(Partial[t], Partial[t + s]);
        GroupMemoryBarrierWithGroupSync();
    }
    float m = Partial[0];
    GroupMemoryBarrierWithGroupSync();

    // Σ_j e^{z_j − m}
    float localSum = 0.0;
    for (uint j2 = t; j2 < p.Classes; j2 += THREADS) localSum += exp(Logits[start + j2] - m);
    Partial[t] = localSum;
    GroupMemoryBarrierWithGroupSync();
    for (uint s2 = THREADS / 2; s2 > 0; s2 >>= 1)
    {
        if (t < s2) Partial[t] += Partial[t + s2];
        GroupMemoryBarrierWithGroupSync();
    }
    float sum = Partial[0];

    uint target = Targets[row];
    float inverseBatch = 1.0 / (float)p.Rows;
    float scale = inverseBatch / sum;
    for (uint j3 = t; j3 < p.Classes; j3 += THREADS)
    {
        float g = exp(Logits[start + j3] - m) * scale;
        Gradient[start + j3] = j3 == target ? g - inverseBatch : g;
    }

    if (t == 0) Loss[row] = (m - Logits[start + target]) + log(sum);
}
