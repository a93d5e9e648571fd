using System.Numerics;
using System.Numerics.Tensors;
using Peft.IO;

namespace Peft;

/// <summary>
/// One AdaLoRA adapter's allocation state, as PEFT's <c>RankAllocator</c> keeps it per parameter p ∈ {A, E, B}:
/// <code>
///   I = |p ⊙ ∇p|                               (sensitivity)
///   Ī ← β1·Ī + (1 − β1)·I                      (smoothed sensitivity)
///   Ū ← β2·Ū + (1 − β2)·|I − Ī|                (uncertainty)
///   s = Ī ⊙ Ū                                  (element score)
///   S[k] = s_E[k] + (mean_i s_A[k, i] + mean_o s_B[o, k])   (triplet score)
/// </code>
/// in the element type (PEFT computes them in the parameters' dtype); the rank pattern (which triplets the latest
/// allocation kept); and the orthogonal regularizer <c>‖AAᵀ − I‖_F + ‖BᵀB − I‖_F</c>. The EMAs are created at the first
/// update; afterwards nothing is allocated.
/// </summary>
internal sealed class AdaLoRAImportance<T> : IAdaLoRAState
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T> _a;
    private readonly Parameter<T> _e;
    private readonly Parameter<T> _b;
    private readonly Parameter<T>[] _parameters;
    private readonly int _rank;
    private readonly T[] _scores;
    private readonly bool[] _keep;
    private readonly T[] _covariance;
    private T[][]? _smoothed;
    private T[][]? _uncertainty;

    public AdaLoRAImportance(Parameter<T> a, Parameter<T> e, Parameter<T> b)
    {
        _a = a;
        _e = e;
        _b = b;
        _parameters = [a, e, b];
        _rank = e.Length;
        _scores = new T[_rank];
        _keep = new bool[_rank];
        _covariance = new T[_rank * _rank];
    }

    public int Rank => _rank;

    public bool HasPattern { get; private set; }

    /// <summary>The kept triplets (meaningful when <see cref="HasPattern"/>).</summary>
    public ReadOnlySpan<bool> Keep => _keep;

    /// <summary>How many triplets the pattern keeps.</summary>
    public int KeptCount
    {
        get
        {
            int count = 0;
            foreach (bool kept in _keep)
            {
                count += kept ? 1 : 0;
            }

            return count;
        }
    }

    public void UpdateImportance(double beta1, double beta2)
    {
        _smoothed ??= [new T[_a.Length], new T[_e.Length], new T[_b.Length]];
        _uncertainty ??= [new T[_a.Length], new T[_e.Length], new T[_b.Length]];
        T b1 = T.CreateChecked(beta1), c1 = T.CreateChecked(1 - beta1);
        T b2 = T.CreateChecked(beta2), c2 = T.CreateChecked(1 - beta2);
        for (int p = 0; p < 3; p++)
        {
            var value = _parameters[p].Value;
            var gradient = _parameters[p].Gradient;
            var smoothed = _smoothed[p];
            var uncertainty = _uncertainty[p];
            for (int i = 0; i < value.Length; i++)
            {
                // I = |p·∇p|; Ī ← β1·Ī + (1 − β1)·I; Ū ← β2·Ū + (1 − β2)·|I − Ī| (with the new Ī).
                T importance = T.Abs(value[i] * gradient[i]);
                smoothed[i] = b1 * smoothed[i] + c1 * importance;
                uncertainty[i] = b2 * uncertainty[i] + c2 * T.Abs(importance - smoothed[i]);
            }
        }
    }

    public void ResetImportance()
    {
        foreach (var array in (T[][]?)_smoothed ?? [])
        {
            Array.Clear(array);
        }

        foreach (var array in (T[][]?)_uncertainty ?? [])
        {
            Array.Clear(array);
        }
    }

    public void WriteScores(Span<double> scores)
    {
        int r = _rank;
        int inF = _a.Length / r;
        int outF = _b.Length / r;
        T inCount = T.CreateChecked(inF), outCount = T.CreateChecked(outF);
        for (int k = 0; k < r; k++)
        {
            // mean_i s_A[k, i]
            T sumA = T.Zero;
            for (int i = 0; i < inF; i++)
            {
                sumA += Score(0, k * inF + i);
            }

            // mean_o s_B[o, k]
            T sumB = T.Zero;
            for (int o = 0; o < outF; o++)
            {
                sumB += Score(2, o * r + k);
            }

            _scores[k] = Score(1, k) + (sumA / inCount + sumB / outCount);
            scores[k] = double.CreateChecked(_scores[k]);
        }
    }

    private static readonly string[] Names = ["A", "E", "B"];

    private static SafetensorsDType DType => typeof(T) == typeof(double) ? SafetensorsDType.F64 : SafetensorsDType.F32;

    public void WriteCheckpoint(List<SafetensorsTensor> tensors, string prefix)
    {
        if (_smoothed is not null && _uncertainty is not null)
        {
            for (int p = 0; p < 3; p++)
            {
                tensors.Add(SafetensorsTensor.FromValues<T>($"{prefix}smoothed/{Names[p]}", [_smoothed[p].Length], _smoothed[p], DType));
                tensors.Add(SafetensorsTensor.FromValues<T>($"{prefix}uncertainty/{Names[p]}", [_uncertainty[p].Length], _uncertainty[p], DType));
            }
        }

        if (HasPattern)
        {
            tensors.Add(SafetensorsTensor.FromBytes(prefix + "keep", SafetensorsDType.U8, [_rank], _keep.Select(static k => (byte)(k ? 1 : 0)).ToArray()));
        }
    }

    public void CheckCheckpoint(SafetensorsFile tensors, string prefix, string file)
    {
        int present = 0;
        for (int p = 0; p < 3; p++)
        {
            foreach (string kind in (ReadOnlySpan<string>)["smoothed", "uncertainty"])
            {
                string name = $"{prefix}{kind}/{Names[p]}";
                if (!tensors.TryGetTensor(name, out var tensor))
                {
                    continue;
                }

                present++;
                if (tensor.DType != DType || tensor.ElementCount != _parameters[p].Length)
                {
                    throw new InvalidDataException(
                        $"{file}: tensor '{name}' is {tensor.DType} {tensor.ShapeText}; AdaLoRA's {Names[p]} here is {DType} [{_parameters[p].Length}].");
                }
            }
        }

        if (present is not (0 or 6))
        {
            throw new InvalidDataException($"{file}: {present} of the 6 importance tensors under '{prefix}' are present (all or none).");
        }

        if (tensors.TryGetTensor(prefix + "keep", out var keep) && (keep.DType != SafetensorsDType.U8 || keep.ElementCount != _rank))
        {
            throw new InvalidDataException($"{file}: tensor '{prefix}keep' is {keep.DType} {keep.ShapeText}; expected U8 [{_rank}].");
        }
    }

    public void RestoreCheckpoint(SafetensorsFile tensors, string prefix)
    {
        if (tensors.Contains(prefix + "smoothed/A"))
        {
            _smoothed ??= [new T[_a.Length], new T[_e.Length], new T[_b.Length]];
            _uncertainty ??= [new T[_a.Length], new T[_e.Length], new T[_b.Length]];
            for (int p = 0; p < 3; p++)
            {
                tensors.ReadValues<T>($"{prefix}smoothed/{Names[p]}", _smoothed[p]);
                tensors.ReadValues<T>($"{prefix}uncertainty/{Names[p]}", _uncertainty[p]);
            }
        }
        else
        {
            ResetImportance();
        }

        if (tensors.Contains(prefix + "keep"))
        {
            var keep = tensors.GetBytes(prefix + "keep");
            for (int k = 0; k < _rank; k++)
            {
                _keep[k] = keep[k] != 0;
            }

            HasPattern = true;
        }
        else
        {
            Array.Clear(_keep);
            HasPattern = false;
        }
    }

    public void MaskAtOrBelow(double threshold)
    {
        for (int k = 0; k < _rank; k++)
        {
            _keep[k] = double.CreateChecked(_scores[k]) > threshold;
        }

        HasPattern = true;
        MaskByPattern();
    }

    public void MaskByPattern()
    {
        for (int k = 0; k < _rank; k++)
        {
            if (!_keep[k])
            {
                _e.Value[k] = T.Zero;
            }
        }
    }

    /// <summary>Sets the rank pattern (a loaded <c>rank_pattern</c>).</summary>
    public void SetPattern(ReadOnlySpan<bool> keep)
    {
        keep.CopyTo(_keep);
        HasPattern = true;
    }

    public double AddOrthogonalGradient(double factor)
    {
        int r = _rank;
        int inF = _a.Length / r;
        int outF = _b.Length / r;
        T scale = T.CreateChecked(factor);
        var m = _covariance.AsSpan();

        // A: M = A·Aᵀ − I [r, r]; ∂‖M‖_F/∂A = 2·M·A/‖M‖_F (M symmetric; 0 where ‖M‖ = 0, as torch's norm backward).
        var a = _a.Value;
        for (int k = 0; k < r; k++)
        {
            for (int l = 0; l < r; l++)
            {
                m[k * r + l] = TensorPrimitives.Dot<T>(a.AsSpan(k * inF, inF), a.AsSpan(l * inF, inF)) - (k == l ? T.One : T.Zero);
            }
        }

        T normA = TensorPrimitives.Norm<T>(m);
        if (_a.Trainable && normA > T.Zero)
        {
            T coefficient = scale * T.CreateChecked(2) / normA;
            var gradient = _a.Gradient;
            for (int k = 0; k < r; k++)
            {
                var target = gradient.AsSpan(k * inF, inF);
                for (int l = 0; l < r; l++)
                {
                    TensorPrimitives.MultiplyAdd(a.AsSpan(l * inF, inF), coefficient * m[k * r + l], target, target);
                }
            }
        }

        // B: M = Bᵀ·B − I [r, r] = Σ_o B[o, :]ᵀ·B[o, :] − I; ∂‖M‖_F/∂B = 2·B·M/‖M‖_F.
        var b = _b.Value;
        m.Clear();
        for (int o = 0; o < outF; o++)
        {
            var row = b.AsSpan(o * r, r);
            for (int k = 0; k < r; k++)
            {
                TensorPrimitives.MultiplyAdd(row, row[k], m.Slice(k * r, r), m.Slice(k * r, r));
            }
        }

        for (int k = 0; k < r; k++)
        {
            m[k * r + k] -= T.One;
        }

        T normB = TensorPrimitives.Norm<T>(m);
        if (_b.Trainable && normB > T.Zero)
        {
            T coefficient = scale * T.CreateChecked(2) / normB;
            var gradient = _b.Gradient;
            for (int o = 0; o < outF; o++)
            {
                var row = b.AsSpan(o * r, r);
                var target = gradient.AsSpan(o * r, r);
                for (int l = 0; l < r; l++)
                {
                    // dB[o, :] += coefficient·B[o, l]·M[l, :]
                    TensorPrimitives.MultiplyAdd(m.Slice(l * r, r), coefficient * row[l], target, target);
                }
            }
        }

        return double.CreateChecked(normA) + double.CreateChecked(normB);
    }

    /// <summary>The element score <c>Ī ⊙ Ū</c> of element <paramref name="index"/> of parameter <paramref name="p"/> (A, E, B); 0 before any update.</summary>
    private T Score(int p, int index) => _smoothed is null ? T.Zero : _smoothed[p][index] * _uncertainty![p][index];
}
