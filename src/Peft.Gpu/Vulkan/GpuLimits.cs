namespace Peft.Gpu.Vulkan;

/// <summary>Fixed sizes shared by the pipeline layouts and the kernels.</summary>
internal static class GpuLimits
{
    /// <summary>The most storage buffers one kernel binds (set 0, bindings 0…7).</summary>
    public const uint MaxBindings = 8;

    /// <summary>The push-constant range of every pipeline layout: 32 bytes, within Vulkan's guaranteed 128.</summary>
    public const uint PushConstantBytes = 32;
}
