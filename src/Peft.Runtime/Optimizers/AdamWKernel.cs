using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Peft;

/// <summary>
/// The fused element-wise AdamW update, in the order of PyTorch's single-tensor <c>AdamW</c>:
/// <code>
/// p ← p · (1 − lr·wd)                      (decoupled weight decay; skipped when wd = 0)
/// m ← lerp(m, g, 1 − β1)                   (= m + (1 − β1)(g − m))
/// v ← v·β2 + (1 − β2)·g·g
/// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// One pass over the four arrays, Vector512 or Vector256 where the hardware has it, scalar tail.
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
        int length = value.Length;
        ref T p = ref MemoryMarshal.GetReference(value);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T m = ref MemoryMarshal.GetReference(expAvg);
        ref T v = ref MemoryMarshal.GetReference(expAvgSq);
        int i = 0;

        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && !c.LerpFromEnd)
        {
            var decay = Vector512.Create(c.DecayFactor);
            var weight = Vector512.Create(c.LerpWeight);
            var beta2 = Vector512.Create(c.Beta2);
            var oneMinusBeta2 = Vector512.Create(c.OneMinusBeta2);
            var negativeStep = Vector512.Create(c.NegativeStepSize);
            var correction2 = Vector512.Create(c.BiasCorrection2Sqrt);
            var epsilon = Vector512.Create(c.Epsilon);
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var pv = Vector512.LoadUnsafe(ref p, (nuint)i);
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                var mv = Vector512.LoadUnsafe(ref m, (nuint)i);
                var vv = Vector512.LoadUnsafe(ref v, (nuint)i);
                if (c.Decay)
                {
                    pv *= decay;
                }

                mv += weight * (gv - mv);
                vv = vv * beta2 + oneMinusBeta2 * gv * gv;
                var denominator = Vector512.Sqrt(vv) / correction2 + epsilon;
                pv += negativeStep * mv / denominator;
                pv.StoreUnsafe(ref p, (nuint)i);
                mv.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && !c.LerpFromEnd)
        {
            var decay = Vector256.Create(c.DecayFactor);
            var weight = Vector256.Create(c.LerpWeight);
            var beta2 = Vector256.Create(c.Beta2);
            var oneMinusBeta2 = Vector256.Create(c.OneMinusBeta2);
            var negativeStep = Vector256.Create(c.NegativeStepSize);
            var correction2 = Vector256.Create(c.BiasCorrection2Sqrt);
            var epsilon = Vector256.Create(c.Epsilon);
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var pv = Vector256.LoadUnsafe(ref p, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
                var mv = Vector256.LoadUnsafe(ref m, (nuint)i);
                var vv = Vector256.LoadUnsafe(ref v, (nuint)i);
                if (c.Decay)
                {
                    pv *= decay;
                }

                mv += weight * (gv - mv);
                vv = vv * beta2 + oneMinusBeta2 * gv * gv;
                var denominator = Vector256.Sqrt(vv) / correction2 + epsilon;
                pv += negativeStep * mv / denominator;
                pv.StoreUnsafe(ref p, (nuint)i);
                mv.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            UpdateOne(ref Unsafe.Add(ref p, i), Unsafe.Add(ref g, i), ref Unsafe.Add(ref m, i), ref Unsafe.Add(ref v, i), c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateOne<T>(ref T p, T g, ref T m, ref T v, in Coefficients<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (c.Decay)
        {
            p *= c.DecayFactor;
        }

        m = c.LerpFromEnd ? g - (g - m) * c.LerpComplement : m + c.LerpWeight * (g - m);
        v = v * c.Beta2 + c.OneMinusBeta2 * g * g;
        T denominator = T.Sqrt(v) / c.BiasCorrection2Sqrt + c.Epsilon;
        p += c.NegativeStepSize * m / denominator;
    }
}
