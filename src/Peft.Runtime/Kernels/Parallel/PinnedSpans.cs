namespace Peft.Generated;

/// <summary>
/// The pinned view of a <see cref="KernelSpans{T}"/> that every participant of a
/// <see cref="KernelParallel"/> region receives. Valid only inside
/// <see cref="IKernelRegion{T}.Execute"/>: the pins are released when the region ends.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public readonly unsafe struct PinnedSpans<T>
    where T : unmanaged
{
    private readonly T* _r0, _r1, _r2, _r3, _r4, _r5, _w0, _w1, _w2, _w3, _w4, _w5;
    private readonly int _r0Length, _r1Length, _r2Length, _r3Length, _r4Length, _r5Length;
    private readonly int _w0Length, _w1Length, _w2Length, _w3Length, _w4Length, _w5Length;

    internal PinnedSpans(scoped in KernelSpans<T> spans, T* r0, T* r1, T* r2, T* r3, T* r4, T* r5, T* w0, T* w1, T* w2, T* w3, T* w4, T* w5)
    {
        _r0 = r0;
        _r1 = r1;
        _r2 = r2;
        _r3 = r3;
        _r4 = r4;
        _r5 = r5;
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
        _w4 = w4;
        _w5 = w5;
        (_r0Length, _r1Length, _r2Length) = (spans.R0.Length, spans.R1.Length, spans.R2.Length);
        (_r3Length, _r4Length, _r5Length) = (spans.R3.Length, spans.R4.Length, spans.R5.Length);
        (_w0Length, _w1Length, _w2Length) = (spans.W0.Length, spans.W1.Length, spans.W2.Length);
        (_w3Length, _w4Length, _w5Length) = (spans.W3.Length, spans.W4.Length, spans.W5.Length);
    }

    /// <summary>Read-only operand 0.</summary>
    public ReadOnlySpan<T> R0 => new(_r0, _r0Length);

    /// <summary>Read-only operand 1.</summary>
    public ReadOnlySpan<T> R1 => new(_r1, _r1Length);

    /// <summary>Read-only operand 2.</summary>
    public ReadOnlySpan<T> R2 => new(_r2, _r2Length);

    /// <summary>Read-only operand 3.</summary>
    public ReadOnlySpan<T> R3 => new(_r3, _r3Length);

    /// <summary>Read-only operand 4.</summary>
    public ReadOnlySpan<T> R4 => new(_r4, _r4Length);

    /// <summary>Read-only operand 5.</summary>
    public ReadOnlySpan<T> R5 => new(_r5, _r5Length);

    /// <summary>Writable operand 0.</summary>
    public Span<T> W0 => new(_w0, _w0Length);

    /// <summary>Writable operand 1.</summary>
    public Span<T> W1 => new(_w1, _w1Length);

    /// <summary>Writable operand 2.</summary>
    public Span<T> W2 => new(_w2, _w2Length);

    /// <summary>Writable operand 3.</summary>
    public Span<T> W3 => new(_w3, _w3Length);

    /// <summary>Writable operand 4.</summary>
    public Span<T> W4 => new(_w4, _w4Length);

    /// <summary>Writable operand 5.</summary>
    public Span<T> W5 => new(_w5, _w5Length);
}
