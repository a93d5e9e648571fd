using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;
using S = Peft.Gpu.Training.AdaptedLinearSlot;

namespace Peft.Gpu.Training;

/// <summary>
/// A <see cref="Sequential"/> of adapted <see cref="Linear"/> layers with ReLUs between them (<c>Linear (ReLU Linear)*</c>)
/// moved to the GPU with one call, and trained there: a cross-entropy step — every layer's forward, the ReLUs, the loss,
/// the backward passes in reverse with dL/dx flowing through the ReLUs, and every adapter's AdamW update — is one
/// recorded submission, with no host round trip between layers. Each layer keeps its buffers and plan as a
/// <see cref="GpuAdaptedLinear"/>; the chain concatenates their slot tables and offsets each layer's dispatches.
/// </summary>
public sealed class GpuAdaptedSequential : IDisposable
{
    private static readonly int SlotCount = Enum.GetValues<S>().Length;
    private readonly GpuAdaptedLinear[] _layers;
    private readonly GpuProgram _forward;
    private readonly GpuProgram _step;
    private bool _disposed;

    private GpuAdaptedSequential(GpuDevice device, GpuAdaptedLinear[] layers)
    {
        _layers = layers;
        var buffers = layers.SelectMany(layer => layer.Buffers).ToArray();
        var forward = new List<KernelDispatch>();
        for (int k = 0; k < layers.Length; k++)
        {
            var d = layers[k].Descriptor;
            forward.AddRange(OfLayer(k, AdaptedLinearPlan.Forward(d)));
            if (k + 1 < layers.Length)
            {
                // x_{k+1} = relu(y_k)
                forward.Add(GpuKernels.ReLU((long)d.Batch * d.OutFeatures, Slot(k, S.Output), Slot(k + 1, S.Input)));
            }
        }

        var last = layers[^1].Descriptor;
        var step = new List<KernelDispatch>(forward);
        step.AddRange(OfLayer(layers.Length - 1, AdaptedLinearPlan.CrossEntropy(last)));
        for (int k = layers.Length - 1; k >= 0; k--)
        {
            var d = layers[k].Descriptor;
            step.AddRange(OfLayer(k, AdaptedLinearPlan.Backward(d)));
            if (k > 0)
            {
                // dy_{k−1} = dx_k where y_{k−1} > 0
                step.Add(GpuKernels.ReLUBackward((long)d.Batch * d.InFeatures, Slot(k, S.InputGradient), Slot(k - 1, S.Output), Slot(k - 1, S.OutputGradient)));
            }
        }

        for (int k = 0; k < layers.Length; k++)
        {
            step.AddRange(OfLayer(k, layers[k].UpdatePlan));
        }

        _forward = new GpuProgram(device, forward, buffers);
        try
        {
            _step = new GpuProgram(device, step, buffers);
        }
        catch
        {
            _forward.Dispose();
            throw;
        }
    }

    /// <summary>The layers, in order (internal: stepping one alone would take the chain's AdamW steps out of step).</summary>
    internal IReadOnlyList<GpuAdaptedLinear> Layers => _layers;

    /// <summary>x [batch, in] of the first layer: upload the batch here before a step.</summary>
    public GpuTensor Input => _layers[0].Input;

    /// <summary>The logits [batch, classes] of the latest forward.</summary>
    public GpuTensor Output => _layers[^1].Output;

    /// <summary>
    /// Moves <paramref name="model"/> — <c>Linear (ReLU Linear)*</c>, every Linear frozen with an active LoRA, LoRA+ or MoRA
    /// adapter — and its optimizer state to <paramref name="device"/> for steps of <paramref name="batch"/> rows.
    /// </summary>
    /// <exception cref="NotSupportedException">Another module, two Linears without a ReLU between them, or a layer the GPU
    /// step cannot train (a float16 <paramref name="basePrecision"/> on a device without the half GEMM among them); the
    /// message names the position.</exception>
    public static GpuAdaptedSequential Create(GpuDevice device, Sequential model, AdamW optimizer, int batch,
        GpuBasePrecision basePrecision = GpuBasePrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(model);
        var linears = new List<Linear>();
        for (int i = 0; i < model.Count; i++)
        {
            bool expectLinear = i % 2 == 0;
            switch (model[i])
            {
                case Linear linear when expectLinear:
                    linears.Add(linear);
                    break;
                case ReLU<float> when !expectLinear && i + 1 < model.Count:
                    break;
                default:
                    throw new NotSupportedException(
                        $"GPU Sequential: layer '{i}' is {model[i].GetType().Name}; the GPU chain takes Linear (ReLU Linear)*, " +
                        $"so layer {i} must be {(expectLinear ? "a Linear" : "a ReLU followed by a Linear")}.");
            }
        }

        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(optimizer);
        var layers = new List<GpuAdaptedLinear>();
        try
        {
            for (int k = 0; k < linears.Count; k++)
            {
                try
                {
                    layers.Add(GpuAdaptedLinear.Create(device, linears[k], optimizer, batch, inputGradient: k > 0, basePrecision));
                }
                catch (NotSupportedException e)
                {
                    throw new NotSupportedException($"GPU Sequential layer '{2 * k}': {e.Message}", e);
                }
            }

            return new GpuAdaptedSequential(device, [.. layers]);
        }
        catch
        {
            foreach (var layer in layers)
            {
                layer.Dispose();
            }

            throw;
        }
    }

    /// <summary>The logits of the batch in <see cref="Input"/> (stays in <see cref="Output"/>).</summary>
    public void Forward()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _forward.Run();
    }

    /// <summary>One training step on the targets given to <see cref="UploadTargets"/>: forward, loss, backward, AdamW — one submission.</summary>
    public void StepCrossEntropy()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var layer in _layers)
        {
            layer.PrepareUpdate();
        }

        _step.Run();
    }

    /// <summary>The class of each row, checked against the last layer's width.</summary>
    public void UploadTargets(ReadOnlySpan<int> targets) => _layers[^1].UploadTargets(targets);

    /// <summary>The mean loss of the latest step.</summary>
    public double ReadLoss() => _layers[^1].ReadLoss();

    /// <summary>Copies every layer's adapter tensors and their latest gradients back into the CPU model.</summary>
    public void CopyAdaptersToModel()
    {
        foreach (var layer in _layers)
        {
            layer.CopyAdapterToLayer();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _step?.Dispose();
        _forward?.Dispose();
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }

    private static int Slot(int layer, S slot) => (layer * SlotCount) + (int)slot;

    /// <summary>Layer <paramref name="layer"/>'s dispatches with their slots moved into the chain's table.</summary>
    private static IEnumerable<KernelDispatch> OfLayer(int layer, IEnumerable<KernelDispatch> dispatches) =>
        dispatches.Select(dispatch => GpuKernels.Offset(dispatch, layer * SlotCount));
}
