using Peft;

namespace Peft.Quickstart;

/// <summary>
/// The user's model: ordinary layers, two of them annotated. The generator adds AttachAdapters,
/// CreateOptimizer, MergeAdapters and the rank-specialized kernels behind them.
/// </summary>
public sealed partial class Classifier : Module
{
    public const int Inputs = 784, HiddenWidth = 256, Classes = 10;

    private float[] _hiddenPre = [], _hiddenPost = [], _hiddenGradient = [], _hiddenPostGradient = [];

    public Classifier()
    {
        // Registered by name so that module paths read "Hidden.default.lora_A" before attaching, too.
        RegisterAdapterLayers();
    }

    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Hidden { get; } = new(Inputs, HiddenWidth, random: new Random(1));

    [MoRA(Rank = 8, Type = MoRAType.Sharing)]
    public Linear Output { get; } = new(HiddenWidth, Classes, random: new Random(2));

    /// <summary>logits = Output(ReLU(Hidden(x))).</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> logits, int batch)
    {
        Grow(batch);
        Hidden.Forward(x, _hiddenPre, batch);
        Activation.ReLU<float>(_hiddenPre, _hiddenPost);
        Output.Forward(_hiddenPost, logits, batch);
    }

    /// <summary>Back-propagates dL/dlogits through the same path (uses the state of the last Forward).</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> logitsGradient, int batch)
    {
        Output.Backward(_hiddenPost, logitsGradient, _hiddenPostGradient, batch);
        Activation.ReLUBackward<float>(_hiddenPre, _hiddenPostGradient, _hiddenGradient);
        Hidden.Backward(x, _hiddenGradient, Span<float>.Empty, batch);
    }

    private void Grow(int batch)
    {
        if (_hiddenPre.Length != batch * HiddenWidth)
        {
            _hiddenPre = new float[batch * HiddenWidth];
            _hiddenPost = new float[batch * HiddenWidth];
            _hiddenGradient = new float[batch * HiddenWidth];
            _hiddenPostGradient = new float[batch * HiddenWidth];
        }
    }
}
