using Peft.Training;

namespace Peft.Digits;

/// <summary>Collects the training loss of every step of a run.</summary>
internal sealed class LossCurve : ITrainerCallback
{
    public List<double> Losses { get; } = [];

    public void OnStep(in StepMetrics metrics) => Losses.Add(metrics.Loss);

    /// <summary>The trailing mean over <paramref name="window"/> steps (fewer at the start): mini-batch losses are noisy.</summary>
    public static double[] Smooth(IReadOnlyList<double> losses, int window)
    {
        var smooth = new double[losses.Count];
        double sum = 0;
        for (int i = 0; i < losses.Count; i++)
        {
            sum += losses[i];
            if (i >= window)
            {
                sum -= losses[i - window];
            }

            smooth[i] = sum / Math.Min(i + 1, window);
        }

        return smooth;
    }

    /// <summary>The first step (from 1) whose value is at most <paramref name="target"/>, or null.</summary>
    public static int? FirstStepAtOrBelow(IReadOnlyList<double> curve, double target)
    {
        for (int i = 0; i < curve.Count; i++)
        {
            if (curve[i] <= target)
            {
                return i + 1;
            }
        }

        return null;
    }
}
