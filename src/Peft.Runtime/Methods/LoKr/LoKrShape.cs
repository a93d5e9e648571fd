using Peft.Methods;

namespace Peft;

/// <summary>
/// The Kronecker geometry of a LoKr adapter on an <c>in → out</c> layer, as PEFT builds it:
/// <c>(c, d) = factorization(in, f)</c>, <c>(a, b) = factorization(out, f)</c>, <c>W1[a, c]</c>, <c>W2[b, d]</c>, so that
/// <c>W1 ⊗ W2</c> is <c>[a·b, c·d] = [out, in]</c> with <c>(W1 ⊗ W2)[p·b+q, i·d+j] = W1[p,i]·W2[q,j]</c>.
/// </summary>
/// <param name="OutLeft">a, the rows of W1.</param>
/// <param name="OutRight">b, the rows of W2.</param>
/// <param name="InLeft">c, the columns of W1.</param>
/// <param name="InRight">d, the columns of W2.</param>
public readonly record struct LoKrShape(int OutLeft, int OutRight, int InLeft, int InRight)
{
    /// <summary>The input width c·d.</summary>
    public int InFeatures => InLeft * InRight;

    /// <summary>The output width a·b.</summary>
    public int OutFeatures => OutLeft * OutRight;

    /// <summary>Elements the forward pass keeps for the backward pass: <c>T' [c, batch·b]</c>.</summary>
    public int SavedLength(int batch) => batch * InLeft * OutRight;

    /// <summary>Elements of scratch one call needs: <c>batch·(a·b + 2·c·b)</c>.</summary>
    public int WorkLength(int batch) => batch * (OutLeft * OutRight + 2 * InLeft * OutRight);

    /// <summary>PEFT's split of both widths by <paramref name="decomposeFactor"/> (−1: near the square roots).</summary>
    public static LoKrShape For(int inFeatures, int outFeatures, int decomposeFactor)
    {
        (int c, int d) = LoKrMethod.Factorization(inFeatures, decomposeFactor);
        (int a, int b) = LoKrMethod.Factorization(outFeatures, decomposeFactor);
        return new LoKrShape(a, b, c, d);
    }

    /// <inheritdoc />
    public override string ToString() => $"W1 [{OutLeft}, {InLeft}] ⊗ W2 [{OutRight}, {InRight}] = [{OutFeatures}, {InFeatures}]";
}
