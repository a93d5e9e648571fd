using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    public static void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, Span<T> buffer, in Coefficients<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = value.Length;
        ref T p = ref MemoryMarshal.GetReference(value);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T b = ref MemoryMarshal.GetReference(buffer); // empty (null ref, never read) without momentum
        int i = 0;

        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var decay = Vector512.Create(c.WeightDecay);
            var momentum = Vector512.Create(c.Momentum);
            var dampened = Vector512.Create(c.OneMinusDampening);
            var negativeRate = Vector512.Create(c.NegativeLearningRate);
            for (; i <= length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var pv = Vector512.LoadUnsafe(ref p, (nuint)i);
                var d = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (c.Decay)
                {
                    d += decay * pv;
                }

                if (c.HasMomentum)
                {
                    var bv = c.FirstStep ? d : Vector512.LoadUnsafe(ref b, (nuint)i) * momentum + dampened * d;
                    bv.StoreUnsafe(ref b, (nuint)i);
                    d = c.Nesterov ? d + momentum * bv : bv;
                }

                (pv + negativeRate * d).StoreUnsafe(ref p, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var decay = Vector256.Create(c.WeightDecay);
            var momentum = Vector256.Create(c.Momentum);
            var dampened = Vector256.Create(c.OneMinusDampening);
            var negativeRate = Vector256.Create(c.NegativeLearningRate);
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var pv = Vector256.LoadUnsafe(ref p, (nuint)i);
                var d = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (c.Decay)
                {
                    d += decay * pv;
                }

                if (c.HasMomentum)
                {
                    var bv = c.FirstStep ? d : Vector256.LoadUnsafe(ref b, (nuint)i) * momentum + dampened * d;
                    bv.StoreUnsafe(ref b, (nuint)i);
                    d = c.Nesterov ? d + momentum * bv : bv;
                }

                (pv + negativeRate * d).StoreUnsafe(ref p, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            T d = Unsafe.Add(ref g, i);
            ref T pi = ref Unsafe.Add(ref p, i);
            if (c.Decay)
            {
                d += c.WeightDecay * pi;
            }

            if (c.HasMomentum)
            {
                ref T bi = ref Unsafe.Add(ref b, i);
                bi = c.FirstStep ? d : bi * c.Momentum + c.OneMinusDampening * d;
                d = c.Nesterov ? d + c.Momentum * bi : bi;
            }

            pi += c.NegativeLearningRate * d;
        }
    }
}
