namespace Peft.Gpu.Tests;

/// <summary>The one Vulkan device of the test process (the first <see cref="GpuDevice.Create"/> chooses; PEFT_GPU_DEVICE overrides).</summary>
internal static class TestDevice
{
    private static readonly Lazy<(GpuDevice? Device, string Reason)> Opened = new(() =>
    {
        if (GpuDevice.TryCreate(out var device, out string reason))
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => device.Dispose();
            return (device, "");
        }

        return (null, reason);
    });

    public static GpuDevice? Instance => Opened.Value.Device;

    public static string Reason => Opened.Value.Reason;

    public static GpuDevice Device => Instance ?? throw new InvalidOperationException(Reason);
}
