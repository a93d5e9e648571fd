namespace Peft.Gpu.Tests;

/// <summary>
/// A fact that needs the half-precision cooperative-matrix GEMM: skipped, with the device's reason, where the Vulkan
/// device has none (Debian 12's lavapipe 22.3 has no VK_KHR_cooperative_matrix). <c>tools/vulkan26.sh dotnet test
/// tests/Peft.Gpu.Tests</c> runs them on lavapipe 26, and CI does with <c>PEFT_REQUIRE_HALF_GEMM=1</c>, which turns the
/// skip into a failure so that a driver that stops offering it cannot pass unnoticed.
/// </summary>
public sealed class HalfGemmFactAttribute : FactAttribute
{
    public HalfGemmFactAttribute()
    {
        Skip = HalfGemmDevice.SkipReason;
    }
}

/// <summary>The theory form of <see cref="HalfGemmFactAttribute"/>.</summary>
public sealed class HalfGemmTheoryAttribute : TheoryAttribute
{
    public HalfGemmTheoryAttribute()
    {
        Skip = HalfGemmDevice.SkipReason;
    }
}

internal static class HalfGemmDevice
{
    public const string RequireVariable = "PEFT_REQUIRE_HALF_GEMM";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Null when the test device runs the half GEMM, or when it is required (the test then fails on its own).</summary>
    public static string? SkipReason
    {
        get
        {
            if (Required)
            {
                return null;
            }

            if (TestDevice.Instance is not { } device)
            {
                return "No Vulkan device: " + TestDevice.Reason;
            }

            return device.HalfGemm is null
                ? $"{device.Name} has no half-precision GEMM ({device.HalfGemmUnavailableReason}); tools/vulkan26.sh dotnet test tests/Peft.Gpu.Tests runs it on lavapipe 26"
                : null;
        }
    }

    /// <summary>The test device's half GEMM shape; fails naming the reason when there is none.</summary>
    public static Kernels.HalfGemmShape Shape
    {
        get
        {
            var device = TestDevice.Device;
            return device.HalfGemm ?? throw new Xunit.Sdk.XunitException(
                $"{RequireVariable}=1 but {device.Name} has no half-precision GEMM: {device.HalfGemmUnavailableReason}.");
        }
    }
}
