using System.Runtime.InteropServices;
using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;
using S = Peft.Gpu.Training.AdaptedLinearSlot;

namespace Peft.Gpu.Training;

/// <summary>
/// A <see cref="Linear"/> with its active LoRA, LoRA+ or MoRA (sharing or RoPE) adapter moved to the GPU with one call: the
/// frozen base, the adapter, its gradients and AdamW moments live in device buffers, and a training step (forward,
/// loss, backward, AdamW) is one recorded submission with no host round trip between layers or kernels. Only what
/// is asked for comes back (<see cref="Output"/>, <see cref="ReadLoss"/>, <see cref="CopyAdapterToLayer"/>).
/// The learning rates and weight decays are read from the CPU optimizer's groups at every step (so schedulers and
/// LoRA+ ratios apply); the AdamW moments and step count are the GPU's own, starting from zero.
/// </summary>
public sealed class GpuAdaptedLinear : IDisposable
{
    private readonly GpuDevice _device;
    private readonly Linear _layer;
    private readonly AdamW _optimizer;
    private readonly GpuBuffer[] _buffers;
    private readonly GpuBuffer _coefficients;
    private readonly ParameterGroup?[] _groups;
    private readonly Parameter<float>[] _parameters;
    private readonly float[] _losses;
    // Recorded on first use: a layer inside a GpuAdaptedSequential never runs its own programs.
    private GpuProgram? _forward;
    private GpuProgram? _step;
    private GpuProgram? _crossEntropyStep;
    private GpuProgram? _merge;
    private long _stepCount;
    private bool _disposed;

    private GpuAdaptedLinear(GpuDevice device, Linear layer, AdamW optimizer, AdaptedLinearDescriptor descriptor, Parameter<float>[] parameters)
    {
        _device = device;
        _layer = layer;
        _optimizer = optimizer;
        _parameters = parameters;
        Descriptor = descriptor;
        _losses = new float[descriptor.Batch];

        // Each adapter tensor's optimizer group, one coefficient row per tensor (−1: the optimizer does not hold it).
        _groups = new ParameterGroup?[parameters.Length];
        var rows = new int[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            _groups[i] = optimizer.Groups.FirstOrDefault(g => g.Parameters.Any(p => ReferenceEquals(p, parameters[i])));
            rows[i] = _groups[i] is null ? -1 : i;
        }

        var slots = Enum.GetValues<S>();
        _buffers = new GpuBuffer[slots.Length];
        try
        {
            // The tensors a caller reads and writes are GpuTensors; the rest are plain buffers.
            Input = new GpuTensor(device, descriptor.Batch, descriptor.InFeatures);
            Output = new GpuTensor(device, descriptor.Batch, descriptor.OutFeatures);
            OutputGradient = new GpuTensor(device, descriptor.Batch, descriptor.OutFeatures);
            InputGradient = descriptor.ComputeInputGradient ? new GpuTensor(device, descriptor.Batch, descriptor.InFeatures) : null;
            _buffers[(int)S.Input] = Input.Buffer;
            _buffers[(int)S.Output] = Output.Buffer;
            _buffers[(int)S.OutputGradient] = OutputGradient.Buffer;
            foreach (var slot in slots)
            {
                _buffers[(int)slot] ??= slot == S.InputGradient && InputGradient is not null
                    ? InputGradient.Buffer
                    : new GpuBuffer(device, (ulong)descriptor.SlotLength(slot) * sizeof(float), slot == S.Coefficients ? GpuMemory.Staging : GpuMemory.Device);
            }

            _coefficients = _buffers[(int)S.Coefficients];
            Upload(S.Weight, layer.Weight.Value);
            if (AdaptedLinearPlan.PrepareBase(descriptor) is { Length: > 0 } prepare)
            {
                using var convert = Program(prepare);
                convert.Run();
            }

            if (layer.Bias is not null)
            {
                Upload(S.Bias, layer.Bias.Value);
            }

            UploadAdapter();
            if (descriptor.Kind == GpuAdapterKind.MoRARoPE)
            {
                var mora = (MoRAAdapter<float>)layer.Adapters.Active!;
                var (cos, sin) = mora.Shape.RotaryTables<float>();
                Upload(S.RotaryTables, [.. cos, .. sin]);
            }

            var zeros = new float[descriptor.SlotLength(S.First)];
            Upload(S.FirstExpAvg, zeros);
            Upload(S.FirstExpAvgSq, zeros);
            if (parameters.Length > 1)
            {
                zeros = new float[descriptor.SlotLength(S.Second)];
                Upload(S.SecondExpAvg, zeros);
                Upload(S.SecondExpAvgSq, zeros);
            }

            UpdatePlan = AdaptedLinearPlan.Update(descriptor, rows);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The AdamW dispatches of this layer's adapter tensors (each with its coefficient row).</summary>
    internal KernelDispatch[] UpdatePlan { get; } = [];

    /// <summary>The device buffer of each <see cref="AdaptedLinearSlot"/>, by slot number (a chain concatenates them).</summary>
    internal IReadOnlyList<GpuBuffer> Buffers => _buffers;

    /// <summary>The plan's data: sizes, rank, scale, batch.</summary>
    public AdaptedLinearDescriptor Descriptor { get; }

    /// <summary>x [batch, in]: upload the batch here before a step.</summary>
    public GpuTensor Input { get; } = null!;

    /// <summary>y [batch, out] of the latest forward.</summary>
    public GpuTensor Output { get; } = null!;

    /// <summary>dL/dy [batch, out]: given before <see cref="Step"/>, written by <see cref="StepCrossEntropy"/>.</summary>
    public GpuTensor OutputGradient { get; } = null!;

    /// <summary>dL/dx [batch, in] of the latest step; null unless the layer was moved with <c>inputGradient: true</c>.</summary>
    public GpuTensor? InputGradient { get; }

    /// <summary>How many steps have run (AdamW's t).</summary>
    public long StepCount => _stepCount;

    /// <summary>
    /// Moves <paramref name="layer"/> (frozen base with its active adapter) and its optimizer state to
    /// <paramref name="device"/> for steps of <paramref name="batch"/> rows.
    /// </summary>
    /// <exception cref="NotSupportedException">The layer has no active adapter, a trainable base, dropout, a grouped MoRA type, or a
    /// merged adapter; or <paramref name="basePrecision"/> is float16 and the device has no half-precision GEMM (the message says why).</exception>
    public static GpuAdaptedLinear Create(GpuDevice device, Linear layer, AdamW optimizer, int batch, bool inputGradient = false,
        GpuBasePrecision basePrecision = GpuBasePrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var (descriptor, parameters) = Describe(layer, batch, inputGradient);
        ArgumentNullException.ThrowIfNull(device);
        return new GpuAdaptedLinear(device, layer, optimizer, descriptor with { BaseHalfGemm = HalfGemmFor(device, basePrecision, descriptor) }, parameters);
    }

    /// <summary>The device's half GEMM shape when <paramref name="precision"/> asks for it (null for float32).</summary>
    internal static HalfGemmShape? HalfGemmFor(GpuDevice device, GpuBasePrecision precision, AdaptedLinearDescriptor descriptor) => precision switch
    {
        GpuBasePrecision.Float32 => null,
        GpuBasePrecision.Float16 => device.HalfGemm ?? throw new NotSupportedException(
            $"GPU Linear [{descriptor.OutFeatures}, {descriptor.InFeatures}]: a float16 base needs the half-precision GEMM, and {device.Name} has none: {device.HalfGemmUnavailableReason}."),
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown base precision."),
    };

    /// <summary>The descriptor of <paramref name="layer"/> and its adapter tensors in slot order (no device involved).</summary>
    /// <exception cref="NotSupportedException">The layer cannot run on the GPU; the message names it and says why.</exception>
    internal static (AdaptedLinearDescriptor Descriptor, Parameter<float>[] Parameters) Describe(Linear layer, int batch, bool inputGradient)
    {
        ArgumentNullException.ThrowIfNull(layer);
        string context = $"GPU Linear [{layer.OutFeatures}, {layer.InFeatures}]";
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{context}: batch must be positive.");
        }

        if (!layer.IsFrozen)
        {
            throw new NotSupportedException($"{context}: the GPU step trains adapters only; freeze the base (IsFrozen = true).");
        }

        var adapter = layer.Adapters.Active ?? throw new NotSupportedException($"{context}: no active adapter to train.");
        if (adapter.IsMerged)
        {
            throw new NotSupportedException($"{context}: adapter '{adapter.Name}' is merged; unmerge it before moving the layer.");
        }

        bool bias = layer.Bias is not null;
        switch (adapter)
        {
            case DoRAAdapter<float>:
                throw new NotSupportedException($"{context}: adapter '{adapter.Name}' is DoRA; the GPU step has no DoRA plan (LoRA, LoRA+ and MoRA have one).");
            case AdaLoRAAdapter<float>:
                throw new NotSupportedException($"{context}: adapter '{adapter.Name}' is AdaLoRA; the GPU step has no AdaLoRA plan (LoRA, LoRA+ and MoRA have one).");
            case LoRAAdapter<float> lora:
                if (lora.Options.Dropout > 0)
                {
                    throw new NotSupportedException($"{context}: adapter '{lora.Name}' has dropout {lora.Options.Dropout}; the GPU step has no dropout.");
                }

                return (new AdaptedLinearDescriptor(GpuAdapterKind.LoRA, layer.InFeatures, layer.OutFeatures, lora.Rank, lora.Scale, bias, batch, inputGradient),
                    [lora.A, lora.B]);
            case MoRAAdapter<float> mora:
                var kind = mora.Shape.Type switch
                {
                    MoRAType.Sharing => GpuAdapterKind.MoRASharing,
                    MoRAType.RoPE => GpuAdapterKind.MoRARoPE,
                    _ => throw new NotSupportedException(
                        $"{context}: adapter '{mora.Name}' is MoRA {mora.Shape.Type}; the GPU step has Sharing and RoPE plans, not the grouped types."),
                };
                return (new AdaptedLinearDescriptor(kind, layer.InFeatures, layer.OutFeatures, mora.SquareRank, 1f, bias, batch, inputGradient),
                    [mora.M]);
            default:
                throw new NotSupportedException($"{context}: adapter '{adapter.Name}' ({adapter.GetType().Name}) has no GPU plan; LoRA, LoRA+ and MoRA do.");
        }
    }

    /// <summary>y = x·W0ᵀ + b + Δ(x) on <see cref="Input"/>; the result stays in <see cref="Output"/>.</summary>
    public void Forward()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (_forward ??= Program(AdaptedLinearPlan.Forward(Descriptor))).Run();
    }

    /// <summary>One training step with the upstream gradient already in <see cref="OutputGradient"/>: forward, backward, AdamW.</summary>
    public void Step()
    {
        PrepareUpdate();
        (_step ??= Program([.. AdaptedLinearPlan.Forward(Descriptor), .. AdaptedLinearPlan.Backward(Descriptor), .. UpdatePlan])).Run();
    }

    /// <summary>One training step on the softmax cross-entropy of <see cref="Output"/> against the targets given to <see cref="UploadTargets"/>.</summary>
    public void StepCrossEntropy()
    {
        PrepareUpdate();
        (_crossEntropyStep ??= Program([.. AdaptedLinearPlan.Forward(Descriptor), .. AdaptedLinearPlan.CrossEntropy(Descriptor),
            .. AdaptedLinearPlan.Backward(Descriptor), .. UpdatePlan])).Run();
    }

    /// <summary>Uploads one class index per row for <see cref="StepCrossEntropy"/>.</summary>
    /// <exception cref="ArgumentException">The count differs from the batch or a target is outside [0, out).</exception>
    public void UploadTargets(ReadOnlySpan<int> targets)
    {
        if (targets.Length != Descriptor.Batch)
        {
            throw new ArgumentException($"GPU Linear: {targets.Length} targets for batch {Descriptor.Batch}.", nameof(targets));
        }

        for (int i = 0; i < targets.Length; i++)
        {
            if ((uint)targets[i] >= (uint)Descriptor.OutFeatures)
            {
                throw new ArgumentException($"GPU Linear: target of row {i} is {targets[i]}, outside [0, {Descriptor.OutFeatures}).", nameof(targets));
            }
        }

        _device.Upload(_buffers[(int)S.Targets], MemoryMarshal.AsBytes(targets));
    }

    /// <summary>The mean cross-entropy loss of the latest <see cref="StepCrossEntropy"/> (downloads one float per row).</summary>
    public double ReadLoss()
    {
        _device.Download(_buffers[(int)S.Loss], MemoryMarshal.AsBytes(_losses.AsSpan()));
        double total = 0;
        foreach (float loss in _losses)
        {
            total += loss;
        }

        return total / _losses.Length;
    }

    /// <summary>Copies the device's adapter tensors and their latest gradients into the CPU layer's parameters (to save or compare).</summary>
    public void CopyAdapterToLayer()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            var (value, gradient) = i == 0 ? (S.First, S.FirstGradient) : (S.Second, S.SecondGradient);
            Download(value, _parameters[i].Value);
            Download(gradient, _parameters[i].Gradient);
        }
    }

    /// <summary>Uploads the CPU layer's adapter tensors again (after loading an adapter, say); moments are kept.</summary>
    public void UploadAdapter()
    {
        Upload(S.First, _parameters[0].Value);
        if (_parameters.Length > 1)
        {
            Upload(S.Second, _parameters[1].Value);
        }
    }

    /// <summary>Computes the merged weight W0 + ΔW [out, in] on the device into <paramref name="destination"/>; the layer is unchanged.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold out × in floats.</exception>
    public void ComputeMergedWeight(Span<float> destination)
    {
        if (destination.Length != _layer.Weight.Length)
        {
            throw new ArgumentException($"GPU Linear [{_layer.OutFeatures}, {_layer.InFeatures}]: merged weight needs {_layer.Weight.Length} floats, got {destination.Length}.", nameof(destination));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        (_merge ??= Program(AdaptedLinearPlan.Merge(Descriptor))).Run(); // Merge throws the reason where there is no plan
        Download(S.MergedWeight, destination);
    }

    /// <summary>Records <paramref name="dispatches"/> over this layer's buffers.</summary>
    private GpuProgram Program(KernelDispatch[] dispatches) => new(_device, dispatches, _buffers);

    internal void Upload(S slot, ReadOnlySpan<float> values) => _device.Upload(_buffers[(int)slot], MemoryMarshal.AsBytes(values));

    internal void Download(S slot, Span<float> values) => _device.Download(_buffers[(int)slot], MemoryMarshal.AsBytes(values));

    // AdamW's scalars for step t, per adapter tensor, from its group's current learning rate and weight decay.
    internal void PrepareUpdate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stepCount++;
        var table = MemoryMarshal.Cast<byte, float>(_coefficients.Map(_coefficients.Bytes, 0));
        for (int i = 0; i < _groups.Length; i++)
        {
            if (_groups[i] is { } group)
            {
                AdamWCoefficients.Write(table.Slice(i * GpuKernels.AdamWCoefficientWords, GpuKernels.AdamWCoefficientWords),
                    group.LearningRate, group.WeightDecay, _optimizer.Beta1, _optimizer.Beta2, _optimizer.Epsilon, _stepCount);
            }
        }
    }

    /// <summary>Frees the programs and device buffers (the device itself stays open).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _forward?.Dispose();
        _step?.Dispose();
        _crossEntropyStep?.Dispose();
        _merge?.Dispose();
        foreach (var buffer in _buffers)
        {
            buffer?.Dispose();
        }
    }
}
