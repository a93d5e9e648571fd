using Peft;

namespace PackageUser;

/// <summary>
/// A small annotated model with constant shapes: LoRA+ on Hidden, MoRA (sharing) on Output. The
/// package's generator adds RegisterAdapterLayers, AttachAdapters, CreateOptimizer and the kernels.
/// </summary>
public sealed partial class Classifier : Module
{
    public const int Inputs = 48, HiddenWidth = 32, Classes = 6;

    private float[] _hiddenPre = [], _hiddenPost = [], _hiddenGradient = [], _hiddenPostGradient = [];

    public Classifier() => RegisterAdapterLayers();

    [LoRAPlus(Rank = 4, Alpha = 8, Ratio = 16)]
    public Linear Hidden { get; } = new(48, 32, random: new Random(1));

    [MoRA(Rank = 4, Type = MoRAType.Sharing)]
    public Linear Output { get; } = new(32, 6, random: new Random(2));

    /// <summary>logits = Output(ReLU(Hidden(x))).</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> logits, int batch)
    {
        if (_hiddenPre.Length != batch * HiddenWidth)
        {
            _hiddenPre = new float[batch * HiddenWidth];
            _hiddenPost = new float[batch * HiddenWidth];
            _hiddenGradient = new float[batch * HiddenWidth];
            _hiddenPostGradient = new float[batch * HiddenWidth];
        }

        Hidden.Forward(x, _hiddenPre, batch);
        Activation.ReLU<float>(_hiddenPre, _hiddenPost);
        Output.Forward(_hiddenPost, logits, batch);
    }

    /// <summary>Back-propagates dL/dlogits through the state of the last Forward.</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> logitsGradient, int batch)
    {
        Output.Backward(_hiddenPost, logitsGradient, _hiddenPostGradient, batch);
        Activation.ReLUBackward<float>(_hiddenPre, _hiddenPostGradient, _hiddenGradient);
        Hidden.Backward(x, _hiddenGradient, Span<float>.Empty, batch);
    }
}
