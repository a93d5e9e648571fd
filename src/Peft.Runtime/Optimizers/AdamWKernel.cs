using System.Numerics;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>
/// The fused element-wise AdamW update, in the order of PyTorch's single-tensor <c>AdamW</c>:
/// <code>
/// p ← p · (1 − lr·wd)                      (decoupled weight decay; skipped when wd = 0)
/// m ← lerp(m, g, 1 − β1)                   (= m + (1 − β1)(g − m))
/// v ← v·β2 + (1 − β2)·g·g
/// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// One pass over the four arrays: Vector512 or Vector256 where the hardware has it, then a scalar
/// tail through the same formula.
/// </summary>
internal static class AdamWKernel
{
    /// <summary>The per-step scalars, computed once per parameter in double and rounded to <typeparamref name="T"/>.</summary>
    internal readonly struct Coefficients<T>(double learningRate, double weightDecay, double beta1, double beta2, double epsilon, long step)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public readonly bool Decay = weightDecay != 0.0;
        public readonly T DecayFactor = T.CreateChecked(1.0 - learningRate * weightDecay);
        public readonly T LerpWeight = T.CreateChecked(1.0 - beta1);
        // torch.lerp uses end − (end − start)·(1 − w) when w ≥ 0.5, for accuracy near w = 1.
        public readonly bool LerpFromEnd = 1.0 - beta1 >= 0.5;
        public readonly T LerpComplement = T.CreateChecked(beta1);
        public readonly T Beta2 = T.CreateChecked(beta2);
        public readonly T OneMinusBeta2 = T.CreateChecked(1.0 - beta2);
        public readonly T NegativeStepSize = T.CreateChecked(-(learningRate / (1.0 - Math.Pow(beta1, step))));
        public readonly T BiasCorrection2Sqrt = T.CreateChecked(Math.Sqrt(1.0 - Math.Pow(beta2, step)));
        public readonly T Epsilon = T.CreateChecked(epsilon);
    }

    public static void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, Span<T> expAvg, Span<T> expAvgSq, in Coefficients<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (FloatVector512<T>.IsAccelerated)
        {
            i = Run<T, FloatVector512<T>>(value, gradient, expAvg, expAvgSq, c, i);
        }
        else if (FloatVector256<T>.IsAccelerated)
        {
            i = Run<T, FloatVector256<T>>(value, gradient, expAvg, expAvgSq, c, i);
        }

        Run<T, FloatScalar<T>>(value, gradient, expAvg, expAvgSq, c, i);
    }

    // Updates whole vectors from index i on; returns the index of the first element left.
    private static int Run<T, TVector>(Span<T> value, ReadOnlySpan<T> gradient, Span<T> expAvg, Span<T> expAvgSq, in Coefficients<T> c, int i)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, IFloatVector<TVector, T>
    {
        ref T p = ref MemoryMarshal.GetReference(value);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T m = ref MemoryMarshal.GetReference(expAvg);
        ref T v = ref MemoryMarshal.GetReference(expAvgSq);
        var decay = TVector.Create(c.DecayFactor);
        var weight = TVector.Create(c.LerpWeight);
        var complement = TVector.Create(c.LerpComplement);
        var beta2 = TVector.Create(c.Beta2);
        var oneMinusBeta2 = TVector.Create(c.OneMinusBeta2);
        var negativeStep = TVector.Create(c.NegativeStepSize);
        var correction2 = TVector.Create(c.BiasCorrection2Sqrt);
        var epsilon = TVector.Create(c.Epsilon);
        for (; i <= value.Length - TVector.Count; i += TVector.Count)
        {
            var pv = TVector.Load(ref p, (nuint)i);
            var gv = TVector.Load(ref g, (nuint)i);
            var mv = TVector.Load(ref m, (nuint)i);
            var vv = TVector.Load(ref v, (nuint)i);
            if (c.Decay)
            {
                pv *= decay;
            }

            mv = c.LerpFromEnd ? gv - (gv - mv) * complement : mv + weight * (gv - mv);
            vv = vv * beta2 + oneMinusBeta2 * gv * gv;
            var denominator = TVector.Sqrt(vv) / correction2 + epsilon;
            pv += negativeStep * mv / denominator;
            pv.Store(ref p, (nuint)i);
            mv.Store(ref m, (nuint)i);
            vv.Store(ref v, (nuint)i);
        }

        return i;
    }
}
