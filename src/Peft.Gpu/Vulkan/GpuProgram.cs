using Peft.Gpu.Kernels;
using Silk.NET.Vulkan;

namespace Peft.Gpu.Vulkan;

/// <summary>
/// A list of <see cref="KernelDispatch"/>es recorded once into a command buffer (descriptor sets allocated and written
/// once, a compute→compute memory barrier after every dispatch) and submitted as often as asked: a steady-state
/// <see cref="Run"/> is one <c>vkQueueSubmit</c> and one fence wait, and allocates nothing.
/// </summary>
internal sealed unsafe class GpuProgram : IDisposable
{
    private readonly GpuDevice _device;
    private readonly CommandBuffer _commands;
    private readonly Fence _fence;
    private readonly DescriptorSet[] _sets;
    private bool _disposed;

    /// <param name="device">The device.</param>
    /// <param name="dispatches">The launches, in order.</param>
    /// <param name="buffers">The device buffer of each slot.</param>
    public GpuProgram(GpuDevice device, IReadOnlyList<KernelDispatch> dispatches, IReadOnlyList<GpuBuffer> buffers)
    {
        _device = device;
        var vk = device.Vk;
        _sets = new DescriptorSet[dispatches.Count];
        var pipelines = new ComputePipeline[dispatches.Count];
        for (int d = 0; d < dispatches.Count; d++)
        {
            var dispatch = dispatches[d];
            if (dispatch.PushConstants.Length * sizeof(uint) > GpuLimits.PushConstantBytes)
            {
                throw new ArgumentException($"Dispatch {d} ({dispatch}): push constants exceed {GpuLimits.PushConstantBytes} bytes.", nameof(dispatches));
            }

            if (dispatch.Slots.Length != dispatch.Kernel.Bindings)
            {
                throw new ArgumentException($"Dispatch {d} ({dispatch}): {dispatch.Slots.Length} slots for {dispatch.Kernel.Bindings} bindings.", nameof(dispatches));
            }

            pipelines[d] = device.Pipelines.Get(dispatch.Kernel);
            _sets[d] = AllocateSet(pipelines[d], dispatch, buffers, d);
        }

        _commands = device.AllocateCommandBuffer();
        _fence = device.CreateFence();
        var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo };
        VulkanResult.Check(vk.BeginCommandBuffer(_commands, in begin), "vkBeginCommandBuffer");
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit,
        };
        for (int d = 0; d < dispatches.Count; d++)
        {
            var dispatch = dispatches[d];
            var pipeline = pipelines[d];
            vk.CmdBindPipeline(_commands, PipelineBindPoint.Compute, pipeline.Pipeline);
            var set = _sets[d];
            vk.CmdBindDescriptorSets(_commands, PipelineBindPoint.Compute, pipeline.Layout, 0, 1, in set, 0, null);
            fixed (uint* push = dispatch.PushConstants)
            {
                vk.CmdPushConstants(_commands, pipeline.Layout, ShaderStageFlags.ComputeBit, 0, (uint)(dispatch.PushConstants.Length * sizeof(uint)), push);
            }

            vk.CmdDispatch(_commands, dispatch.Groups.X, dispatch.Groups.Y, dispatch.Groups.Z);
            vk.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.ComputeShaderBit, 0, 1, in barrier, 0, null, 0, null);
        }

        VulkanResult.Check(vk.EndCommandBuffer(_commands), "vkEndCommandBuffer");
    }

    /// <summary>How many kernels the program launches.</summary>
    public int Count => _sets.Length;

    /// <summary>Submits the recorded commands and waits until the device has finished them.</summary>
    public void Run() => _device.SubmitAndWait(_commands, _fence);

    private DescriptorSet AllocateSet(ComputePipeline pipeline, KernelDispatch dispatch, IReadOnlyList<GpuBuffer> buffers, int index)
    {
        var vk = _device.Vk;
        var layout = pipeline.SetLayout;
        var allocate = new DescriptorSetAllocateInfo
        {
            SType = StructureType.DescriptorSetAllocateInfo,
            DescriptorPool = _device.DescriptorPool,
            DescriptorSetCount = 1,
            PSetLayouts = &layout,
        };
        VulkanResult.Check(vk.AllocateDescriptorSets(_device.Device, in allocate, out var set), "vkAllocateDescriptorSets");
        var infos = stackalloc DescriptorBufferInfo[dispatch.Slots.Length];
        var writes = stackalloc WriteDescriptorSet[dispatch.Slots.Length];
        for (int i = 0; i < dispatch.Slots.Length; i++)
        {
            int slot = dispatch.Slots[i];
            if ((uint)slot >= (uint)buffers.Count)
            {
                throw new ArgumentException($"Dispatch {index} ({dispatch}): binding {i} names slot {slot}, outside the {buffers.Count} buffers.");
            }

            infos[i] = new DescriptorBufferInfo(buffers[slot].Handle, 0, Vk.WholeSize);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }

        vk.UpdateDescriptorSets(_device.Device, (uint)dispatch.Slots.Length, writes, 0, null);
        return set;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var vk = _device.Vk;
        vk.DeviceWaitIdle(_device.Device);
        fixed (DescriptorSet* sets = _sets)
        {
            vk.FreeDescriptorSets(_device.Device, _device.DescriptorPool, (uint)_sets.Length, sets);
        }

        var commands = _commands;
        vk.FreeCommandBuffers(_device.Device, _device.CommandPool, 1, in commands);
        vk.DestroyFence(_device.Device, _fence, null);
    }
}
