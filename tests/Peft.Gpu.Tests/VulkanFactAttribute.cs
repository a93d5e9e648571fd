namespace Peft.Gpu.Tests;

/// <summary>
/// A fact that needs a Vulkan device: skipped, with the reason (no loader, no driver, no device), when
/// <see cref="TestDevice"/> cannot open one. CI installs Mesa's lavapipe so that these run there.
/// </summary>
public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute()
    {
        if (TestDevice.Instance is null)
        {
            Skip = "No Vulkan device (install libvulkan1 and mesa-vulkan-drivers for lavapipe): " + TestDevice.Reason;
        }
    }
}

/// <summary>A Vulkan <see cref="TestDevice"/> test, run one at a time (a device is used from one thread).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VulkanCollection
{
    public const string Name = "Vulkan";
}

/// <summary>A theory that needs a Vulkan device; skipped with the reason when none opens.</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute()
    {
        if (TestDevice.Instance is null)
        {
            Skip = "No Vulkan device (install libvulkan1 and mesa-vulkan-drivers for lavapipe): " + TestDevice.Reason;
        }
    }
}
