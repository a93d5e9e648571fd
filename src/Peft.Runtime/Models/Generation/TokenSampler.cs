namespace Peft.Models;

/// <summary>
/// Picks the next token from one row of logits as <see cref="GenerationOptions"/> says. Owns its scratch
/// buffers (grown to the vocabulary once) and its seeded generator, so a generation loop allocates nothing.
/// </summary>
public sealed class TokenSampler
{
    private readonly GenerationOptions _options;
    private readonly Random _random;
    private float[] _keys = [];
    private int[] _ids = [];
    private double[] _probabilities = [];

    /// <summary>Creates a sampler; the generator is seeded with <see cref="GenerationOptions.Seed"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public TokenSampler(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
    }

    /// <summary>The index of the largest logit (the first one on ties), as <c>torch.argmax</c>.</summary>
    /// <exception cref="ArgumentException">The row is empty, holds NaN or +∞, or is all −∞.</exception>
    public static int Greedy(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("Greedy: the logits row is empty.", nameof(logits));
        }

        int best = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i]) || logits[i] == float.PositiveInfinity)
            {
                throw new ArgumentException($"TokenSampler: logit {i} is {logits[i]}; a model's logits are finite (or −∞ for masked tokens).", nameof(logits));
            }

            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The next token for <paramref name="logits"/> (one row, the vocabulary wide).</summary>
    /// <exception cref="ArgumentException">The row is empty, holds NaN or +∞, or is all −∞.</exception>
    public int Next(ReadOnlySpan<float> logits)
    {
        int best = Greedy(logits);
        if (!_options.Samples)
        {
            return best;
        }

        int count = SortDescending(logits);

        // Temperature, then top-k: keep the k largest logits (sorted first), as transformers' warpers do in order.
        double temperature = _options.Temperature ?? 1.0;
        int kept = Math.Min(count, _options.TopK ?? count);

        // Softmax of the kept logits / T, shifted by the maximum for range: p_i = exp((l_i − l_max)/T) / Σ.
        double max = _keys[0];
        double sum = 0;
        for (int i = 0; i < kept; i++)
        {
            double e = Math.Exp((_keys[i] - max) / temperature);
            _probabilities[i] = e;
            sum += e;
        }

        // Top-p: token j (descending order) stays while the probability before it is below p; at least one stays.
        if (_options.TopP is double p && p < 1)
        {
            double before = 0;
            int nucleus = 0;
            while (nucleus < kept && (nucleus == 0 || before < p))
            {
                before += _probabilities[nucleus] / sum;
                nucleus++;
            }

            kept = nucleus;
            sum = 0;
            for (int i = 0; i < kept; i++)
            {
                sum += _probabilities[i];
            }
        }

        // Draw u ∈ [0, Σ) and walk the cumulative distribution.
        double u = _random.NextDouble() * sum;
        for (int i = 0; i < kept; i++)
        {
            u -= _probabilities[i];
            if (u < 0)
            {
                return _ids[i];
            }
        }

        return _ids[kept - 1];
    }

    /// <summary>Sorts the finite logits in descending order into the scratch buffers; returns how many (−∞ dropped).</summary>
    private int SortDescending(ReadOnlySpan<float> logits)
    {
        if (_keys.Length < logits.Length)
        {
            _keys = new float[logits.Length];
            _ids = new int[logits.Length];
            _probabilities = new double[logits.Length];
        }

        int count = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] != float.NegativeInfinity)
            {
                // Negated so that an ascending sort gives descending logits.
                _keys[count] = -logits[i];
                _ids[count] = i;
                count++;
            }
        }

        if (count == 0)
        {
            throw new ArgumentException("TokenSampler: every logit is −∞.", nameof(logits));
        }

        _keys.AsSpan(0, count).Sort(_ids.AsSpan(0, count));
        for (int i = 0; i < count; i++)
        {
            _keys[i] = -_keys[i];
        }

        return count;
    }
}
