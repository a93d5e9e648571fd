using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Peft.Gpu.Vulkan;

/// <summary>A Vulkan storage buffer with its own memory; host-visible memory stays mapped for its lifetime.</summary>
internal sealed unsafe class GpuBuffer : IDisposable
{
    private readonly GpuDevice _device;
    private readonly DeviceMemory _memory;
    private readonly byte* _mapped;
    private bool _disposed;

    public GpuBuffer(GpuDevice device, ulong bytes, GpuMemory memory)
    {
        _device = device;
        Bytes = Math.Max(bytes, 4);
        var vk = device.Vk;
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = Bytes,
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
            SharingMode = SharingMode.Exclusive,
        };
        VulkanResult.Check(vk.CreateBuffer(device.Device, in info, null, out var buffer), "vkCreateBuffer");
        Handle = buffer;
        vk.GetBufferMemoryRequirements(device.Device, buffer, out var requirements);
        uint type = memory == GpuMemory.Staging
            ? device.MemoryType(requirements.MemoryTypeBits, MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit, 0)
            : device.MemoryType(requirements.MemoryTypeBits, MemoryPropertyFlags.DeviceLocalBit, MemoryPropertyFlags.HostVisibleBit);
        var allocate = new MemoryAllocateInfo { SType = StructureType.MemoryAllocateInfo, AllocationSize = requirements.Size, MemoryTypeIndex = type };
        var result = vk.AllocateMemory(device.Device, in allocate, null, out _memory);
        if (result != Result.Success)
        {
            vk.DestroyBuffer(device.Device, buffer, null);
            throw new GpuException($"{device.Name}: allocating {Bytes} bytes of {memory} memory failed ({result}).");
        }

        VulkanResult.Check(vk.BindBufferMemory(device.Device, buffer, _memory, 0), "vkBindBufferMemory");
        IsHostVisible = device.IsHostVisible(type);
        if (IsHostVisible)
        {
            void* pointer;
            VulkanResult.Check(vk.MapMemory(device.Device, _memory, 0, Vk.WholeSize, 0, &pointer), "vkMapMemory");
            _mapped = (byte*)pointer;
        }
    }

    public VkBuffer Handle { get; }

    public ulong Bytes { get; }

    /// <summary>Whether the memory is host-visible and coherent (mapped; read and written directly).</summary>
    public bool IsHostVisible { get; }

    /// <summary>The mapped bytes <c>[offset, offset + length)</c> of a host-visible buffer.</summary>
    public Span<byte> Map(ulong length, ulong offset)
    {
        if (!IsHostVisible || offset + length > Bytes)
        {
            throw new InvalidOperationException($"GPU buffer of {Bytes} bytes: cannot map [{offset}, {offset + length}) (host-visible: {IsHostVisible}).");
        }

        return new Span<byte>(_mapped + offset, checked((int)length));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_mapped != null)
        {
            _device.Vk.UnmapMemory(_device.Device, _memory);
        }

        _device.Vk.DestroyBuffer(_device.Device, Handle, null);
        _device.Vk.FreeMemory(_device.Device, _memory, null);
    }
}
