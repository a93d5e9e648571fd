using System.Runtime.InteropServices;
using Peft.Gpu.Vulkan;

namespace Peft.Gpu;

/// <summary>
/// A dense row-major float tensor in device memory. <see cref="Upload"/> and <see cref="Download"/> copy through the
/// device's staging buffer (or directly where the memory is host-visible, as on lavapipe).
/// </summary>
public sealed class GpuTensor : IDisposable
{
    private readonly int[] _shape;

    /// <summary>Allocates an uninitialised tensor of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is not positive.</exception>
    public GpuTensor(GpuDevice device, params ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(device);
        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"GpuTensor: shape [{string.Join(", ", shape.ToArray())}] has a non-positive dimension.", nameof(shape));
            }

            length *= dimension;
        }

        if (shape.IsEmpty || length > int.MaxValue)
        {
            throw new ArgumentException($"GpuTensor: shape [{string.Join(", ", shape.ToArray())}] must have 1 to {int.MaxValue} elements.", nameof(shape));
        }

        _shape = shape.ToArray();
        Length = (int)length;
        Device = device;
        Buffer = new GpuBuffer(device, (ulong)length * sizeof(float), GpuMemory.Device);
    }

    /// <summary>The device the tensor lives on.</summary>
    public GpuDevice Device { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    internal GpuBuffer Buffer { get; }

    /// <summary>Copies <paramref name="values"/> (exactly <see cref="Length"/> floats) to the device.</summary>
    public void Upload(ReadOnlySpan<float> values)
    {
        CheckLength(values.Length, "upload");
        Device.Upload(Buffer, MemoryMarshal.AsBytes(values));
    }

    /// <summary>Copies the tensor to <paramref name="destination"/> (exactly <see cref="Length"/> floats).</summary>
    public void Download(Span<float> destination)
    {
        CheckLength(destination.Length, "download");
        Device.Download(Buffer, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Copies the tensor to a new array.</summary>
    public float[] ToArray()
    {
        var values = new float[Length];
        Download(values);
        return values;
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose() => Buffer.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"GpuTensor [{string.Join(", ", _shape)}] on {Device.Name}";

    private void CheckLength(int length, string what)
    {
        if (length != Length)
        {
            throw new ArgumentException($"{this}: {what} of {length} floats, expected {Length}.");
        }
    }
}
