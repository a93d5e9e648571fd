using System.Numerics;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>
/// The fused element-wise SGD update, in the order of PyTorch's single-tensor <c>SGD</c>:
/// <code>
/// d ← g + wd·p                             (coupled weight decay; skipped when wd = 0)
/// b ← μ·b + (1 − dampening)·d              (b ← d on a parameter's first step)
/// d ← d + μ·b if Nesterov, else d ← b      (skipped when μ = 0)
/// p ← p − lr·d
/// </code>
/// </summary>
internal static class SgdKernel
{
    /// <summary>The per-step scalars rounded to <typeparamref name="T"/>.</summary>
    internal readonly struct Coefficients<T>(double learningRate, double weightDecay, double momentum, double dampening, bool nesterov, bool firstStep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public readonly bool Decay = weightDecay != 0.0;
        public readonly T WeightDecay = T.CreateChecked(weightDecay);
        public readonly bool HasMomentum = momentum != 0.0;
        public readonly bool FirstStep = firstStep;
        public readonly bool Nesterov = nesterov;
        public readonly T Momentum = T.CreateChecked(momentum);
        public readonly T OneMinusDampening = T.CreateChecked(1.0 - dampening);
        public readonly T NegativeLearningRate = T.CreateChecked(-learningRate);
    }

    /// <summary>Updates <paramref name="value"/>; <paramref name="buffer"/> is the momentum buffer (empty without momentum).</summary>
    public static void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, Span<T> buffer, in Coefficients<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (FloatVector512<T>.IsAccelerated)
        {
            i = Run<T, FloatVector512<T>>(value, gradient, buffer, c, i);
        }
        else if (FloatVector256<T>.IsAccelerated)
        {
            i = Run<T, FloatVector256<T>>(value, gradient, buffer, c, i);
        }

        Run<T, FloatScalar<T>>(value, gradient, buffer, c, i);
    }

    // Updates whole vectors from index i on; returns the index of the first element left.
    private static int Run<T, TVector>(Span<T> value, ReadOnlySpan<T> gradient, Span<T> buffer, in Coefficients<T> c, int i)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, IFloatVector<TVector, T>
    {
        ref T p = ref MemoryMarshal.GetReference(value);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T b = ref MemoryMarshal.GetReference(buffer); // never touched without momentum
        var decay = TVector.Create(c.WeightDecay);
        var momentum = TVector.Create(c.Momentum);
        var dampened = TVector.Create(c.OneMinusDampening);
        var negativeRate = TVector.Create(c.NegativeLearningRate);
        for (; i <= value.Length - TVector.Count; i += TVector.Count)
        {
            var pv = TVector.Load(ref p, (nuint)i);
            var d = TVector.Load(ref g, (nuint)i);
            if (c.Decay)
            {
                d += decay * pv;
            }

            if (c.HasMomentum)
            {
                var bv = c.FirstStep ? d : TVector.Load(ref b, (nuint)i) * momentum + dampened * d;
                bv.Store(ref b, (nuint)i);
                d = c.Nesterov ? d + momentum * bv : bv;
            }

            (pv + negativeRate * d).Store(ref p, (nuint)i);
        }

        return i;
    }
}
