using Silk.NET.Vulkan;

namespace Peft.Gpu.Vulkan;

/// <summary>A compute pipeline with its layouts (one descriptor set of storage buffers, a 32-byte push-constant range).</summary>
internal sealed record ComputePipeline(Pipeline Pipeline, PipelineLayout Layout, DescriptorSetLayout SetLayout, int Bindings);
