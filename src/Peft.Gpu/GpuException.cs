namespace Peft.Gpu;

/// <summary>A Vulkan call failed on a device that exists (out of device memory, device lost, ...).</summary>
public sealed class GpuException : Exception
{
    /// <summary>Creates the exception; the message names the call and the Vulkan result.</summary>
    public GpuException(string message)
        : base(message)
    {
    }
}
