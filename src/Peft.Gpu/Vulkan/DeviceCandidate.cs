namespace Peft.Gpu.Vulkan;

/// <summary>The kind of a Vulkan physical device, in the order of preference for compute.</summary>
internal enum DeviceKind
{
    /// <summary>A discrete GPU (preferred).</summary>
    Discrete,

    /// <summary>An integrated GPU.</summary>
    Integrated,

    /// <summary>A virtual GPU.</summary>
    Virtual,

    /// <summary>Another kind of device.</summary>
    Other,

    /// <summary>A CPU implementation such as Mesa's lavapipe (last resort; what CI uses).</summary>
    Cpu,
}

/// <summary>A physical device as the selection sees it: its index in the loader's list, name, kind and whether
/// it has a compute queue.</summary>
internal readonly record struct DeviceCandidate(int Index, string Name, DeviceKind Kind, bool HasComputeQueue);
