using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;

namespace Peft.Gpu.Tests;

/// <summary>Runs dispatches on the test device over host arrays (one buffer per slot) and returns every buffer's contents after them.</summary>
internal static class GpuRunner
{
    public static float[][] Run(KernelDispatch dispatch, params float[][] slots) => RunAll([dispatch], slots);

    /// <summary>Runs <paramref name="dispatches"/> in order as one program over the slot arrays.</summary>
    public static float[][] RunAll(KernelDispatch[] dispatches, params float[][] slots)
    {
        var device = TestDevice.Device;
        var tensors = slots.Select(s => new GpuTensor(device, s.Length)).ToArray();
        try
        {
            for (int i = 0; i < slots.Length; i++)
            {
                tensors[i].Upload(slots[i]);
            }

            using (var program = new GpuProgram(device, dispatches, tensors.Select(t => t.Buffer).ToArray()))
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
