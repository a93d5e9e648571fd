using Silk.NET.Vulkan;

namespace Peft.Gpu.Vulkan;

/// <summary>Turns a failed Vulkan result into a <see cref="GpuException"/> naming the call.</summary>
internal static class VulkanResult
{
    public static void Check(Result result, string call)
    {
        if (result != Result.Success)
        {
            throw new GpuException($"Vulkan {call} failed: {result}.");
        }
    }
}
