namespace Peft.Gpu;

/// <summary>
/// No usable Vulkan device: the Vulkan loader (<c>libvulkan.so.1</c> / <c>vulkan-1.dll</c>) is missing, no driver
/// reports a device with a compute queue, or the device chosen by <c>PEFT_GPU_DEVICE</c> does not exist. The CPU
/// runtime (<c>Peft.Runtime</c>) does not need Vulkan and keeps working.
/// </summary>
public sealed class GpuUnavailableException : Exception
{
    /// <summary>Creates the exception with a message saying what is missing.</summary>
    public GpuUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
