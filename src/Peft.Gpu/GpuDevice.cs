using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Peft.Gpu;

/// <summary>
/// A Vulkan device with one compute queue, the command pool, descriptor pool, staging memory and pipeline cache
/// that every <see cref="GpuTensor"/> and kernel on it uses. Create one per process with <see cref="Create"/>;
/// it is not thread-safe (record and submit from one thread).
/// </summary>
public sealed unsafe class GpuDevice : IDisposable
{
    private const uint DescriptorSetCapacity = 4096;

    private readonly Instance _instance;
    private readonly PhysicalDevice _physicalDevice;
    private readonly PhysicalDeviceMemoryProperties _memory;
    private readonly CommandBuffer _transferCommands;
    private readonly Fence _transferFence;
    private GpuBuffer? _staging;
    private bool _disposed;

    private GpuDevice(Vk vk, Instance instance, PhysicalDevice physicalDevice, uint queueFamily, string name, DeviceKind kind,
        HalfGemmShape? halfGemm, string halfGemmReason)
    {
        Vk = vk;
        _instance = instance;
        _physicalDevice = physicalDevice;
        Name = name;
        Kind = kind;
        QueueFamily = queueFamily;
        HalfGemm = halfGemm;
        HalfGemmUnavailableReason = halfGemm is null ? halfGemmReason : "";
        vk.GetPhysicalDeviceMemoryProperties(physicalDevice, out _memory);
        vk.GetPhysicalDeviceProperties(physicalDevice, out var properties);
        MaxPushConstantBytes = properties.Limits.MaxPushConstantsSize;

        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = queueFamily,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        var deviceInfo = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo,
            QueueCreateInfoCount = 1,
            PQueueCreateInfos = &queueInfo,
        };

        // The half-precision GEMM's extension and the features its SPIR-V declares, only where the probe found them all.
        var cooperative = new PhysicalDeviceCooperativeMatrixFeaturesKHR { SType = StructureType.PhysicalDeviceCooperativeMatrixFeaturesKhr, CooperativeMatrix = true };
        var v12 = new PhysicalDeviceVulkan12Features { SType = StructureType.PhysicalDeviceVulkan12Features, PNext = &cooperative, ShaderFloat16 = true, VulkanMemoryModel = true };
        var v11 = new PhysicalDeviceVulkan11Features { SType = StructureType.PhysicalDeviceVulkan11Features, PNext = &v12, StorageBuffer16BitAccess = true };
        var extension = (byte*)SilkMarshal.StringToPtr(CooperativeMatrixProbe.Extension);
        if (halfGemm is not null)
        {
            deviceInfo.PNext = &v11;
            deviceInfo.EnabledExtensionCount = 1;
            deviceInfo.PpEnabledExtensionNames = &extension;
        }

        Device device;
        try
        {
            VulkanResult.Check(vk.CreateDevice(physicalDevice, in deviceInfo, null, out device), "vkCreateDevice");
        }
        finally
        {
            SilkMarshal.Free((nint)extension);
        }

        Device = device;
        vk.GetDeviceQueue(device, queueFamily, 0, out var queue);
        Queue = queue;

        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            QueueFamilyIndex = queueFamily,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
        };
        VulkanResult.Check(vk.CreateCommandPool(device, in poolInfo, null, out var commandPool), "vkCreateCommandPool");
        CommandPool = commandPool;

        var poolSize = new DescriptorPoolSize(DescriptorType.StorageBuffer, DescriptorSetCapacity * GpuLimits.MaxBindings);
        var descriptorPoolInfo = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            Flags = DescriptorPoolCreateFlags.FreeDescriptorSetBit,
            MaxSets = DescriptorSetCapacity,
            PoolSizeCount = 1,
            PPoolSizes = &poolSize,
        };
        VulkanResult.Check(vk.CreateDescriptorPool(device, in descriptorPoolInfo, null, out var descriptorPool), "vkCreateDescriptorPool");
        DescriptorPool = descriptorPool;

        _transferCommands = AllocateCommandBuffer();
        _transferFence = CreateFence();
        Pipelines = new KernelPipelineCache(this);
    }

    /// <summary>The device name the driver reports (for example <c>NVIDIA H200</c> or <c>llvmpipe (LLVM 15.0.6, 256 bits)</c>).</summary>
    public string Name { get; }

    /// <summary>Whether the device is a CPU implementation (Mesa's lavapipe): correct, not fast.</summary>
    public bool IsCpu => Kind == DeviceKind.Cpu;

    /// <summary>
    /// How this device runs the half-precision (float16 inputs, float32 accumulation) cooperative-matrix GEMM, or null
    /// when it cannot (<see cref="HalfGemmUnavailableReason"/> says why).
    /// </summary>
    public HalfGemmShape? HalfGemm { get; }

    /// <summary>Why <see cref="HalfGemm"/> is null (empty when it is not).</summary>
    public string HalfGemmUnavailableReason { get; }

    internal DeviceKind Kind { get; }

    internal Vk Vk { get; }

    internal Device Device { get; }

    internal Queue Queue { get; }

    internal uint QueueFamily { get; }

    internal CommandPool CommandPool { get; }

    internal DescriptorPool DescriptorPool { get; }

    internal KernelPipelineCache Pipelines { get; }

    internal uint MaxPushConstantBytes { get; }

    /// <summary>
    /// Opens the Vulkan device chosen as <c>PEFT_GPU_DEVICE</c> says (an index or part of a name), else the first
    /// discrete GPU, else integrated, virtual, and last a CPU implementation.
    /// </summary>
    /// <exception cref="GpuUnavailableException">There is no Vulkan loader, driver or compute-capable device.</exception>
    public static GpuDevice Create()
    {
        Vk vk;
        try
        {
            vk = Vk.GetApi();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new GpuUnavailableException(
                "The Vulkan loader (libvulkan.so.1 / vulkan-1.dll) could not be loaded; install it (Debian: apt-get install libvulkan1 " +
                "mesa-vulkan-drivers for the CPU driver lavapipe, or the GPU vendor's driver). The CPU runtime works without it.", e);
        }

        var name = (byte*)SilkMarshal.StringToPtr("Peft.Gpu");
        try
        {
            var application = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = name,
                PEngineName = name,
                ApiVersion = Vk.Version12,
            };
            var instanceInfo = new InstanceCreateInfo { SType = StructureType.InstanceCreateInfo, PApplicationInfo = &application };
            var result = vk.CreateInstance(in instanceInfo, null, out var instance);
            if (result != Result.Success)
            {
                vk.Dispose();
                throw new GpuUnavailableException($"vkCreateInstance failed ({result}): no Vulkan driver is installed or it does not support Vulkan 1.1.");
            }

            try
            {
                return Open(vk, instance);
            }
            catch
            {
                vk.DestroyInstance(instance, null);
                vk.Dispose();
                throw;
            }
        }
        finally
        {
            SilkMarshal.Free((nint)name);
        }
    }

    /// <summary>Like <see cref="Create"/>, but returns false with the reason instead of throwing when no device exists.</summary>
    public static bool TryCreate([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GpuDevice? device, out string reason)
    {
        try
        {
            device = Create();
            reason = "";
            return true;
        }
        catch (GpuUnavailableException e)
        {
            device = null;
            reason = e.Message;
            return false;
        }
    }

    private static GpuDevice Open(Vk vk, Instance instance)
    {
        uint count = 0;
        VulkanResult.Check(vk.EnumeratePhysicalDevices(instance, ref count, null), "vkEnumeratePhysicalDevices");
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* pointer = devices)
        {
            VulkanResult.Check(vk.EnumeratePhysicalDevices(instance, ref count, pointer), "vkEnumeratePhysicalDevices");
        }

        var candidates = new DeviceCandidate[count];
        var families = new uint[count];
        for (int i = 0; i < count; i++)
        {
            vk.GetPhysicalDeviceProperties(devices[i], out var properties);
            string deviceName = SilkMarshal.PtrToString((nint)properties.DeviceName) ?? $"device {i}";
            int family = ComputeQueueFamily(vk, devices[i]);
            families[i] = (uint)Math.Max(family, 0);
            candidates[i] = new DeviceCandidate(i, deviceName, KindOf(properties.DeviceType), family >= 0);
        }

        int chosen = DeviceSelection.Choose(candidates, Environment.GetEnvironmentVariable(DeviceSelection.EnvironmentVariable));
        var halfGemm = CooperativeMatrixProbe.Probe(vk, instance, devices[chosen], out string halfGemmReason);
        return new GpuDevice(vk, instance, devices[chosen], families[chosen], candidates[chosen].Name, candidates[chosen].Kind, halfGemm, halfGemmReason);
    }

    // The first queue family with compute, preferring one without graphics (a dedicated compute queue); −1 if none.
    private static int ComputeQueueFamily(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(device, ref count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* pointer = families)
        {
            vk.GetPhysicalDeviceQueueFamilyProperties(device, ref count, pointer);
        }

        int any = -1;
        for (int i = 0; i < count; i++)
        {
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) == 0)
            {
                continue;
            }

            if ((families[i].QueueFlags & QueueFlags.GraphicsBit) == 0)
            {
                return i;
            }

            any = any < 0 ? i : any;
        }

        return any;
    }

    private static DeviceKind KindOf(PhysicalDeviceType type) => type switch
    {
        PhysicalDeviceType.DiscreteGpu => DeviceKind.Discrete,
        PhysicalDeviceType.IntegratedGpu => DeviceKind.Integrated,
        PhysicalDeviceType.VirtualGpu => DeviceKind.Virtual,
        PhysicalDeviceType.Cpu => DeviceKind.Cpu,
        _ => DeviceKind.Other,
    };

    /// <summary>
    /// Index of a memory type allowed by <paramref name="typeBits"/> that has all of <paramref name="required"/>,
    /// preferring one without any of <paramref name="avoided"/> (device buffers avoid the small host-visible
    /// BAR heap of discrete GPUs; on lavapipe every type is host-visible and the fallback is taken).
    /// </summary>
    internal uint MemoryType(uint typeBits, MemoryPropertyFlags required, MemoryPropertyFlags avoided)
    {
        int fallback = -1;
        for (int i = 0; i < _memory.MemoryTypeCount; i++)
        {
            var flags = _memory.MemoryTypes[i].PropertyFlags;
            if ((typeBits & (1u << i)) == 0 || (flags & required) != required)
            {
                continue;
            }

            if ((flags & avoided) == 0)
            {
                return (uint)i;
            }

            fallback = fallback < 0 ? i : fallback;
        }

        return fallback >= 0 ? (uint)fallback : throw new GpuException($"{Name}: no memory type with {required}.");
    }

    /// <summary>Whether memory type <paramref name="type"/> is host-visible and coherent (can be mapped and used without flushes).</summary>
    internal bool IsHostVisible(uint type)
    {
        const MemoryPropertyFlags mappable = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
        return (_memory.MemoryTypes[(int)type].PropertyFlags & mappable) == mappable;
    }

    internal CommandBuffer AllocateCommandBuffer()
    {
        var info = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = CommandPool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        VulkanResult.Check(Vk.AllocateCommandBuffers(Device, in info, out var commands), "vkAllocateCommandBuffers");
        return commands;
    }

    internal Fence CreateFence()
    {
        var info = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        VulkanResult.Check(Vk.CreateFence(Device, in info, null, out var fence), "vkCreateFence");
        return fence;
    }

    /// <summary>Submits <paramref name="commands"/> and waits on <paramref name="fence"/> until the device has finished them.</summary>
    internal void SubmitAndWait(CommandBuffer commands, Fence fence)
    {
        var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commands };
        VulkanResult.Check(Vk.ResetFences(Device, 1, in fence), "vkResetFences");
        VulkanResult.Check(Vk.QueueSubmit(Queue, 1, in submit, fence), "vkQueueSubmit");
        VulkanResult.Check(Vk.WaitForFences(Device, 1, in fence, true, ulong.MaxValue), "vkWaitForFences");
    }

    /// <summary>Copies host data into a device buffer through the staging buffer.</summary>
    internal void Upload(GpuBuffer destination, ReadOnlySpan<byte> source, ulong offset = 0)
    {
        if (source.IsEmpty)
        {
            return;
        }

        if (destination.IsHostVisible)
        {
            source.CopyTo(destination.Map((ulong)source.Length, offset));
            return;
        }

        var staging = Staging((ulong)source.Length);
        source.CopyTo(staging.Map((ulong)source.Length, 0));
        Copy(staging.Handle, 0, destination.Handle, offset, (ulong)source.Length);
    }

    /// <summary>Copies a device buffer's bytes to the host through the staging buffer.</summary>
    internal void Download(GpuBuffer source, Span<byte> destination, ulong offset = 0)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        if (source.IsHostVisible)
        {
            source.Map((ulong)destination.Length, offset).CopyTo(destination);
            return;
        }

        var staging = Staging((ulong)destination.Length);
        Copy(source.Handle, offset, staging.Handle, 0, (ulong)destination.Length);
        staging.Map((ulong)destination.Length, 0).CopyTo(destination);
    }

    private GpuBuffer Staging(ulong bytes)
    {
        if (_staging is null || _staging.Bytes < bytes)
        {
            _staging?.Dispose();
            _staging = new GpuBuffer(this, Math.Max(bytes, 1u << 20), GpuMemory.Staging);
        }

        return _staging;
    }

    private void Copy(VkBuffer source, ulong sourceOffset, VkBuffer destination, ulong destinationOffset, ulong bytes)
    {
        var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
        VulkanResult.Check(Vk.BeginCommandBuffer(_transferCommands, in begin), "vkBeginCommandBuffer");
        var region = new BufferCopy(sourceOffset, destinationOffset, bytes);
        Vk.CmdCopyBuffer(_transferCommands, source, destination, 1, in region);
        VulkanResult.Check(Vk.EndCommandBuffer(_transferCommands), "vkEndCommandBuffer");
        SubmitAndWait(_transferCommands, _transferFence);
    }

    /// <summary>Waits for the device to be idle, then destroys the pipelines, pools, device and instance.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Vk.DeviceWaitIdle(Device);
        _staging?.Dispose();
        Pipelines.Dispose();
        Vk.DestroyFence(Device, _transferFence, null);
        Vk.DestroyDescriptorPool(Device, DescriptorPool, null);
        Vk.DestroyCommandPool(Device, CommandPool, null);
        Vk.DestroyDevice(Device, null);
        Vk.DestroyInstance(_instance, null);
        Vk.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind})";
}
