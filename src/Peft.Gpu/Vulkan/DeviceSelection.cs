using System.Globalization;

namespace Peft.Gpu.Vulkan;

/// <summary>
/// Chooses the physical device: <c>PEFT_GPU_DEVICE</c> when set (an index into the loader's list, or a
/// case-insensitive part of the device name), otherwise the first device with a compute queue in the order
/// discrete, integrated, virtual, other, CPU. Pure: no Vulkan call, so it is tested without a device.
/// </summary>
internal static class DeviceSelection
{
    /// <summary>The environment variable that overrides the choice.</summary>
    public const string EnvironmentVariable = "PEFT_GPU_DEVICE";

    /// <summary>Returns the chosen candidate's index in <paramref name="candidates"/>.</summary>
    /// <exception cref="GpuUnavailableException">No candidate fits; the message lists the devices seen.</exception>
    public static int Choose(IReadOnlyList<DeviceCandidate> candidates, string? overrideValue)
    {
        string seen = candidates.Count == 0
            ? "the Vulkan loader reports no physical device (is a driver installed? Debian: mesa-vulkan-drivers)"
            : "devices seen: " + string.Join("; ", candidates.Select(c => $"#{c.Index} '{c.Name}' ({c.Kind}{(c.HasComputeQueue ? "" : ", no compute queue")})"));
        if (!string.IsNullOrWhiteSpace(overrideValue))
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                var c = candidates[i];
                bool match = int.TryParse(overrideValue, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                    ? c.Index == index
                    : c.Name.Contains(overrideValue, StringComparison.OrdinalIgnoreCase);
                if (match && c.HasComputeQueue)
                {
                    return i;
                }
            }

            throw new GpuUnavailableException($"{EnvironmentVariable}='{overrideValue}' matches no Vulkan device with a compute queue; {seen}.");
        }

        int best = -1;
        for (int i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].HasComputeQueue && (best < 0 || candidates[i].Kind < candidates[best].Kind))
            {
                best = i;
            }
        }

        return best >= 0 ? best : throw new GpuUnavailableException($"No Vulkan device with a compute queue: {seen}.");
    }
}
