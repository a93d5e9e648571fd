using Peft.Gpu.Kernels;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Peft.Gpu.Vulkan;

/// <summary>
/// The device's compute pipelines, built on first use and kept by <see cref="PipelineKey"/> (shader, binding count,
/// specialization constants). Shader modules and set layouts are shared between pipelines of the same shader.
/// </summary>
internal sealed unsafe class KernelPipelineCache(GpuDevice device) : IDisposable
{
    private readonly Dictionary<PipelineKey, ComputePipeline> _pipelines = [];
    private readonly Dictionary<string, ShaderModule> _modules = new(StringComparer.Ordinal);

    /// <summary>How many pipelines have been built.</summary>
    public int Count => _pipelines.Count;

    public ComputePipeline Get(PipelineKey key)
    {
        if (_pipelines.TryGetValue(key, out var pipeline))
        {
            return pipeline;
        }

        if (key.Bindings <= 0 || key.Bindings > GpuLimits.MaxBindings)
        {
            throw new ArgumentException($"Pipeline {key}: a kernel binds 1 to {GpuLimits.MaxBindings} buffers.", nameof(key));
        }

        pipeline = Build(key);
        _pipelines.Add(key, pipeline);
        return pipeline;
    }

    private ComputePipeline Build(PipelineKey key)
    {
        var vk = device.Vk;
        var bindings = stackalloc DescriptorSetLayoutBinding[key.Bindings];
        for (int i = 0; i < key.Bindings; i++)
        {
            bindings[i] = new DescriptorSetLayoutBinding((uint)i, DescriptorType.StorageBuffer, 1, ShaderStageFlags.ComputeBit);
        }

        var setInfo = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = (uint)key.Bindings, PBindings = bindings };
        VulkanResult.Check(vk.CreateDescriptorSetLayout(device.Device, in setInfo, null, out var setLayout), "vkCreateDescriptorSetLayout");
        var range = new PushConstantRange(ShaderStageFlags.ComputeBit, 0, GpuLimits.PushConstantBytes);
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayout,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &range,
        };
        VulkanResult.Check(vk.CreatePipelineLayout(device.Device, in layoutInfo, null, out var layout), "vkCreatePipelineLayout");

        var words = key.Constants.Words;
        var entries = stackalloc SpecializationMapEntry[Math.Max(words.Length, 1)];
        for (int i = 0; i < words.Length; i++)
        {
            entries[i] = new SpecializationMapEntry((uint)i, (uint)(i * sizeof(uint)), sizeof(uint));
        }

        var entryName = (byte*)SilkMarshal.StringToPtr("main");
        try
        {
            fixed (uint* data = words)
            {
                var specialization = new SpecializationInfo((uint)words.Length, entries, (nuint)(words.Length * sizeof(uint)), data);
                var info = new ComputePipelineCreateInfo
                {
                    SType = StructureType.ComputePipelineCreateInfo,
                    Layout = layout,
                    Stage = new PipelineShaderStageCreateInfo
                    {
                        SType = StructureType.PipelineShaderStageCreateInfo,
                        Stage = ShaderStageFlags.ComputeBit,
                        Module = Module(key.Shader),
                        PName = entryName,
                        PSpecializationInfo = words.IsEmpty ? null : &specialization,
                    },
                };
                VulkanResult.Check(vk.CreateComputePipelines(device.Device, default, 1, in info, null, out var pipeline), $"vkCreateComputePipelines({key})");
                return new ComputePipeline(pipeline, layout, setLayout, key.Bindings);
            }
        }
        finally
        {
            SilkMarshal.Free((nint)entryName);
        }
    }

    private ShaderModule Module(string shader)
    {
        if (_modules.TryGetValue(shader, out var module))
        {
            return module;
        }

        byte[] code = ShaderLibrary.Load(shader);
        fixed (byte* pointer = code)
        {
            var info = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)code.Length, PCode = (uint*)pointer };
            VulkanResult.Check(device.Vk.CreateShaderModule(device.Device, in info, null, out module), $"vkCreateShaderModule({shader})");
        }

        _modules.Add(shader, module);
        return module;
    }

    public void Dispose()
    {
        var vk = device.Vk;
        foreach (var pipeline in _pipelines.Values)
        {
            vk.DestroyPipeline(device.Device, pipeline.Pipeline, null);
            vk.DestroyPipelineLayout(device.Device, pipeline.Layout, null);
            vk.DestroyDescriptorSetLayout(device.Device, pipeline.SetLayout, null);
        }

        foreach (var module in _modules.Values)
        {
            vk.DestroyShaderModule(device.Device, module, null);
        }

        _pipelines.Clear();
        _modules.Clear();
    }
}
