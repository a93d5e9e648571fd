namespace Peft;

/// <summary>How <see cref="Activation.GELU{T}(ReadOnlySpan{T}, Span{T}, GeluApproximation)"/> evaluates <c>Φ(x)</c>, as PyTorch's <c>approximate</c> argument.</summary>
public enum GeluApproximation
{
    /// <summary>The exact form <c>x·Φ(x) = x/2·(1 + erf(x/√2))</c> (PyTorch's default, <c>approximate='none'</c>).</summary>
    None,

    /// <summary>The tanh form <c>x/2·(1 + tanh(√(2/π)·(x + 0.044715x³)))</c> (<c>approximate='tanh'</c>).</summary>
    Tanh,
}
