namespace Peft.Gpu.Vulkan;

/// <summary>Where a buffer's memory lives.</summary>
internal enum GpuMemory
{
    /// <summary>Device-local memory for tensors (not host-visible where the device has a choice).</summary>
    Device,

    /// <summary>Host-visible, coherent memory: staging copies and small per-step data the host rewrites.</summary>
    Staging,
}
