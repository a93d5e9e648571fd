using Peft.Gpu.Kernels;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Peft.Gpu.Vulkan;

/// <summary>
/// Whether a physical device can run the half-precision GEMM: Vulkan 1.2, <c>VK_KHR_cooperative_matrix</c> with a
/// float16 × float16 + float32 subgroup tile that <see cref="HalfGemmShape.Choose"/> accepts, and the features its
/// SPIR-V declares (Float16, StorageBuffer16BitAccess, VulkanMemoryModel). Read before the device is created, so that
/// <see cref="GpuDevice"/> enables exactly these.
/// </summary>
internal static unsafe class CooperativeMatrixProbe
{
    public const string Extension = "VK_KHR_cooperative_matrix";

    public static HalfGemmShape? Probe(Vk vk, Instance instance, PhysicalDevice device, out string reason)
    {
        vk.GetPhysicalDeviceProperties(device, out var properties);
        if (properties.ApiVersion < Vk.Version12)
        {
            reason = $"the device supports Vulkan {Version(properties.ApiVersion)}; the half-precision GEMM needs 1.2";
            return null;
        }

        if (!HasExtension(vk, device, Extension))
        {
            reason = $"the driver does not offer {Extension}";
            return null;
        }

        var cooperative = new PhysicalDeviceCooperativeMatrixFeaturesKHR { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesKhr };
        var v12 = new PhysicalDeviceVulkan12Features { SType = StructureType.PhysicalDeviceVulkan12Features, PNext = &cooperative };
        var v11 = new PhysicalDeviceVulkan11Features { SType = StructureType.PhysicalDeviceVulkan11Features, PNext = &v12 };
        var features = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &v11 };
        vk.GetPhysicalDeviceFeatures2(device, &features);
        var missing = new List<string>();
        if (!cooperative.CooperativeMatrix) missing.Add("cooperativeMatrix");
        if (!v12.ShaderFloat16) missing.Add("shaderFloat16");
        if (!v12.VulkanMemoryModel) missing.Add("vulkanMemoryModel");
        if (!v11.StorageBuffer16BitAccess) missing.Add("storageBuffer16BitAccess");
        if (missing.Count > 0)
        {
            reason = "the device lacks the features " + string.Join(", ", missing);
            return null;
        }

        var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties };
        var properties2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &subgroup };
        vk.GetPhysicalDeviceProperties2(device, &properties2);

        var offered = HalfTiles(vk, instance, device);
        var shape = HalfGemmShape.Choose(offered, (int)subgroup.SubgroupSize);
        reason = shape is null
            ? $"none of the cooperative-matrix tiles offered ({Describe(offered)}) is float16×float16+float32 at subgroup scope with blocks dividing {HalfGemmShape.Alignment}"
            : "";
        return shape;
    }

    // The float16 × float16 + float32 → float32 subgroup tiles of vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR
    // (an instance-level extension command, loaded by name: Silk.NET.Vulkan has the types, not the command).
    private static List<(int M, int N, int K)> HalfTiles(Vk vk, Instance instance, PhysicalDevice device)
    {
        var function = (delegate* unmanaged<PhysicalDevice, uint*, CooperativeMatrixPropertiesKHR*, Result>)
            vk.GetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR").Handle;
        var tiles = new List<(int, int, int)>();
        if (function is null)
        {
            return tiles;
        }

        uint count = 0;
        VulkanResult.Check(function(device, &count, null), "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
        var all = new CooperativeMatrixPropertiesKHR[count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i].SType = StructureType.CooperativeMatrixPropertiesKhr;
        }

        fixed (CooperativeMatrixPropertiesKHR* pointer = all)
        {
            VulkanResult.Check(function(device, &count, pointer), "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
        }

        foreach (var p in all.AsSpan(0, (int)count))
        {
            if (p.AType == ComponentTypeKHR.Float16Khr && p.BType == ComponentTypeKHR.Float16Khr && p.CType == ComponentTypeKHR.Float32Khr
                && p.ResultType == ComponentTypeKHR.Float32Khr && p.Scope == ScopeKHR.SubgroupKhr && !p.SaturatingAccumulation)
            {
                tiles.Add(((int)p.MSize, (int)p.NSize, (int)p.KSize));
            }
        }

        return tiles;
    }

    private static bool HasExtension(Vk vk, PhysicalDevice device, string name)
    {
        uint count = 0;
        VulkanResult.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, ref count, null), "vkEnumerateDeviceExtensionProperties");
        var extensions = new ExtensionProperties[count];
        fixed (ExtensionProperties* pointer = extensions)
        {
            VulkanResult.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, ref count, pointer), "vkEnumerateDeviceExtensionProperties");
            for (int i = 0; i < count; i++)
            {
                if (SilkMarshal.PtrToString((nint)pointer[i].ExtensionName) == name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Describe(List<(int M, int N, int K)> tiles)
        => tiles.Count == 0 ? "no float16 tiles" : string.Join(", ", tiles.Select(t => $"{t.M}×{t.N}×{t.K}"));

    private static string Version(uint version) => $"{version >> 22}.{(version >> 12) & 0x3FF}";
}
