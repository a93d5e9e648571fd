using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;

namespace Peft.Gpu.Tests;

/// <summary>Runs one dispatch on the test device over host arrays (one buffer per slot) and returns every buffer's contents after it.</summary>
internal static class GpuRunner
{
    public static float[][] Run(KernelDispatch dispatch, params float[][] slots)
    {
        var device = TestDevice.Device;
        var tensors = slots.Select(s => new GpuTensor(device, s.Length)).ToArray();
        try
        {
            for (int i = 0; i < slots.Length; i++)
            {
                tensors[i].Upload(slots[i]);
            }

            using (var program = new GpuProgram(device, [dispatch], tensors.Select(t => t.Buffer).ToArray()))
            {
                program.Run();
            }

            return tensors.Select(t => t.ToArray()).ToArray();
        }
        finally
        {
            foreach (var tensor in tensors)
            {
                tensor.Dispose();
            }
        }
    }
}
