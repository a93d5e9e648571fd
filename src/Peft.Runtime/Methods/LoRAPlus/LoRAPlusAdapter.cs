using System.Numerics;

namespace Peft;

/// <summary>
/// LoRA+ (Hayou, Ghosh, Yu, ICML 2024): LoRA's forward and backward; the optimizer trains B at
/// <see cref="ScaledLearningRate"/> = <see cref="BaseLearningRate"/>·<see cref="LearningRateRatio"/>
/// and A at <see cref="BaseLearningRate"/>. <see cref="LoRAPlusParameterGroups"/> builds those groups.
/// </summary>
public sealed class LoRAPlusAdapter<T> : LoRAAdapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private double _ratio;

    internal LoRAPlusAdapter(Linear<T> layer, string name, LoRAPlusOptions options, ILoRAKernel<T>? kernel)
        : base(layer, name, options, kernel, checkRankLimit: true)
    {
        _ratio = options.Ratio;
    }

    /// <summary>The learning rate of A (and of the base when trained); 0 until <see cref="SetLearningRates"/>.</summary>
    public double BaseLearningRate { get; private set; }

    /// <summary>The ratio of B's learning rate to A's: at least 1.0 and finite (16 by default).</summary>
    /// <exception cref="ArgumentException">Set below 1.0, to NaN or to infinity.</exception>
    public double LearningRateRatio
    {
        get => _ratio;
        set
        {
            LoRAPlusOptions.ValidateRatio(Context, value);
            _ratio = value;
        }
    }

    /// <summary>B's learning rate: <see cref="BaseLearningRate"/>·<see cref="LearningRateRatio"/>.</summary>
    public double ScaledLearningRate => BaseLearningRate * _ratio;

    /// <summary>Sets A's learning rate; B's follows as <c>lr·ratio</c>.</summary>
    /// <exception cref="ArgumentException">The rate is negative, NaN or infinite.</exception>
    public void SetLearningRates(double baseLearningRate)
    {
        if (!(baseLearningRate >= 0.0) || double.IsPositiveInfinity(baseLearningRate))
        {
            throw new ArgumentException($"{Context}: learning rate must be finite and non-negative, got {baseLearningRate}.", nameof(baseLearningRate));
        }

        BaseLearningRate = baseLearningRate;
    }
}
