using System.Numerics;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// LoRA on an <see cref="Embedding{T}"/>, as PEFT's <c>lora_embedding_A</c> / <c>lora_embedding_B</c>:
/// <c>A ∈ R^{r×num}</c> (zeros), <c>B ∈ R^{dim×r}</c> (standard normal), and for token id <c>i</c>
/// <c>y = W[i] + s·(Aᵀ[i]·Bᵀ)</c>, i.e. column <c>i</c> of <c>A</c> looked up and projected by <c>Bᵀ</c>;
/// <c>s = α/r</c> (rsLoRA: <c>α/√r</c>). No dropout (PEFT applies none to embeddings). Both parameters have
/// the role <see cref="ParameterRole.LoRAEmbedding"/> (LoRA+ trains them at <c>lr_embedding</c>).
/// </summary>
/// <remarks>Gradients over the <c>N</c> looked-up positions with <c>a = A[:, ids]ᵀ ∈ R^{N×r}</c>:
/// <c>dB += s·dYᵀ·a</c>, <c>dA[:, idₙ] += s·(dYₙ·B)</c>; merging adds <c>s·Aᵀ·Bᵀ</c> to the table.</remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class EmbeddingLoRAAdapter<T> : Module, IAdapterModule
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _lookedUp = new(0);
    private readonly Tensor<T> _lookedUpGradient = new(0);

    internal EmbeddingLoRAAdapter(Embedding<T> embedding, string name, LoRAOptions options)
    {
        if (options.Rank <= 0 || !double.IsFinite(options.Alpha))
        {
            throw new ArgumentException($"{embedding.Describe()}: LoRA needs a positive rank and a finite alpha, got rank={options.Rank}, alpha={options.Alpha}.", nameof(options));
        }

        Embedding = embedding;
        Name = name;
        Options = options;
        Rank = options.Rank;
        Scaling = options.Scale;
        A = RegisterParameter(new Parameter<T>("lora_embedding_A", [Rank, embedding.NumEmbeddings], ParameterRole.LoRAEmbedding));
        B = RegisterParameter(new Parameter<T>("lora_embedding_B", [embedding.EmbeddingDim, Rank], ParameterRole.LoRAEmbedding));
        var random = new Random(options.Seed);
        for (int i = 0; i < B.Length; i++)
        {
            B.Value[i] = T.CreateTruncating(NormalSample.Next(random));
        }
    }

    /// <summary>The adapter's name (PEFT's adapter name, <c>default</c> unless chosen).</summary>
    public string Name { get; }

    /// <summary>The adapted embedding.</summary>
    public Embedding<T> Embedding { get; }

    /// <summary>The options it was attached with (rank, α, rsLoRA; saved to <c>adapter_config.json</c>).</summary>
    public LoRAOptions Options { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>The scale <c>s</c> of the update.</summary>
    public double Scaling { get; }

    /// <summary><c>lora_embedding_A</c>, <c>[r, num]</c>.</summary>
    public Parameter<T> A { get; }

    /// <summary><c>lora_embedding_B</c>, <c>[dim, r]</c>.</summary>
    public Parameter<T> B { get; }

    /// <summary>Whether the update is applied (set false to run the base table alone).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the update has been folded into the table by <see cref="Merge"/>.</summary>
    public bool IsMerged { get; private set; }

    private bool Active => Enabled && !IsMerged;

    /// <summary>Folds the update into the table: <c>W += s·Aᵀ·Bᵀ</c>. The adapter then adds nothing until <see cref="Unmerge"/>.</summary>
    /// <exception cref="InvalidOperationException">It is already merged.</exception>
    public void Merge()
    {
        if (IsMerged)
        {
            throw new InvalidOperationException($"{Embedding.Describe()}: adapter '{Name}' is already merged.");
        }

        AddDelta(T.One);
        IsMerged = true;
    }

    /// <summary>Takes the update out of the table again: <c>W −= s·Aᵀ·Bᵀ</c>.</summary>
    /// <exception cref="InvalidOperationException">It is not merged.</exception>
    public void Unmerge()
    {
        if (!IsMerged)
        {
            throw new InvalidOperationException($"{Embedding.Describe()}: adapter '{Name}' is not merged.");
        }

        AddDelta(-T.One);
        IsMerged = false;
    }

    /// <summary><c>y[n] += s·a[n]·Bᵀ</c> with <c>a[n, k] = A[k, idₙ]</c>.</summary>
    internal void Forward(ReadOnlySpan<int> ids, Span<T> output)
    {
        if (!Active)
        {
            return;
        }

        int n = ids.Length, r = Rank, num = Embedding.NumEmbeddings, dim = Embedding.EmbeddingDim;
        _lookedUp.Reshape(Math.Max(1, n), r);
        var a = _lookedUp.Span;
        for (int p = 0; p < n; p++)
        {
            for (int k = 0; k < r; k++)
            {
                a[p * r + k] = A.Value[k * num + ids[p]];
            }
        }

        // y[n×dim] += s · a[n×r] · Bᵀ[r×dim]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, n, dim, r,
            T.CreateTruncating(Scaling), a, r, B.Value, r, T.One, output, dim);
    }

    /// <summary><c>dB += s·dYᵀ·a</c>; <c>dA[k, idₙ] += s·(dY·B)[n, k]</c>.</summary>
    internal void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<T> outputGradient)
    {
        if (!Active)
        {
            return;
        }

        int n = ids.Length, r = Rank, num = Embedding.NumEmbeddings, dim = Embedding.EmbeddingDim;
        T s = T.CreateTruncating(Scaling);
        if (B.Trainable)
        {
            // dB[dim×r] += s · dYᵀ[dim×n] · a[n×r]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, dim, r, n,
                s, outputGradient, dim, _lookedUp.Span, r, T.One, B.Gradient, r);
        }

        if (A.Trainable)
        {
            // da[n×r] = s · dY[n×dim] · B[dim×r], scattered into the columns of A that were read.
            _lookedUpGradient.Reshape(Math.Max(1, n), r);
            var da = _lookedUpGradient.Span;
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, n, r, dim,
                s, outputGradient, dim, B.Value, r, T.Zero, da, r);
            for (int p = 0; p < n; p++)
            {
                for (int k = 0; k < r; k++)
                {
                    A.Gradient[k * num + ids[p]] += da[p * r + k];
                }
            }
        }
    }

    // W[num×dim] += sign · s · Aᵀ[num×r] · Bᵀ[r×dim]
    private void AddDelta(T sign) =>
        Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.Transpose, Embedding.NumEmbeddings, Embedding.EmbeddingDim, Rank,
            sign * T.CreateTruncating(Scaling), A.Value, Embedding.NumEmbeddings, B.Value, Rank, T.One, Embedding.Weight.Value, Embedding.EmbeddingDim);
}
