using Peft.Gpu.Vulkan;

namespace Peft.Gpu.Tests;

/// <summary>Device choice without Vulkan: preference order, the PEFT_GPU_DEVICE override, and the messages.</summary>
public sealed class DeviceSelectionTests
{
    private static readonly DeviceCandidate[] Machine =
    [
        new(0, "llvmpipe (LLVM 15.0.6, 256 bits)", DeviceKind.Cpu, true),
        new(1, "Intel(R) UHD Graphics", DeviceKind.Integrated, true),
        new(2, "NVIDIA H200", DeviceKind.Discrete, true),
    ];

    [Fact]
    public void PrefersADiscreteGpu() => Assert.Equal(2, DeviceSelection.Choose(Machine, null));

    [Fact]
    public void FallsBackToTheCpuDriver() => Assert.Equal(0, DeviceSelection.Choose([Machine[0]], ""));

    [Fact]
    public void SkipsDevicesWithoutAComputeQueue()
        => Assert.Equal(1, DeviceSelection.Choose([Machine[0], Machine[1], Machine[2] with { HasComputeQueue = false }], null));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("llvmpipe", 0)]
    [InlineData("uhd", 1)]
    [InlineData("h200", 2)]
    public void TheOverrideChoosesByIndexOrName(string value, int expected) => Assert.Equal(expected, DeviceSelection.Choose(Machine, value));

    [Fact]
    public void AnOverrideThatMatchesNothingNamesTheDevicesSeen()
    {
        var error = Assert.Throws<GpuUnavailableException>(() => DeviceSelection.Choose(Machine, "radeon"));
        Assert.Contains("PEFT_GPU_DEVICE='radeon'", error.Message);
        Assert.Contains("'NVIDIA H200' (Discrete)", error.Message);
    }

    [Fact]
    public void NoDeviceSaysWhatToInstall()
    {
        var error = Assert.Throws<GpuUnavailableException>(() => DeviceSelection.Choose([], null));
        Assert.Contains("mesa-vulkan-drivers", error.Message);
    }
}
