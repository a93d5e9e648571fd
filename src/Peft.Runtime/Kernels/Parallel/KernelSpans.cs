namespace Peft.Generated;

/// <summary>
/// The operands of a <see cref="KernelParallel"/> region: up to six read-only and six writable spans.
/// <see cref="KernelParallel.Run"/> pins them for the region and hands every participant the same
/// <see cref="PinnedSpans{T}"/> view; unused slots stay empty.
/// </summary>
/// <remarks>Participants may only write the <c>W</c> slots, and only parts that no other participant
/// touches in the same region (rows of their own range, or their own partial sums).</remarks>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public ref struct KernelSpans<T>
    where T : unmanaged
{
    /// <summary>Read-only operand 0.</summary>
    public ReadOnlySpan<T> R0 { get; init; }

    /// <summary>Read-only operand 1.</summary>
    public ReadOnlySpan<T> R1 { get; init; }

    /// <summary>Read-only operand 2.</summary>
    public ReadOnlySpan<T> R2 { get; init; }

    /// <summary>Read-only operand 3.</summary>
    public ReadOnlySpan<T> R3 { get; init; }

    /// <summary>Read-only operand 4.</summary>
    public ReadOnlySpan<T> R4 { get; init; }

    /// <summary>Read-only operand 5.</summary>
    public ReadOnlySpan<T> R5 { get; init; }

    /// <summary>Writable operand 0.</summary>
    public Span<T> W0 { get; init; }

    /// <summary>Writable operand 1.</summary>
    public Span<T> W1 { get; init; }

    /// <summary>Writable operand 2.</summary>
    public Span<T> W2 { get; init; }

    /// <summary>Writable operand 3.</summary>
    public Span<T> W3 { get; init; }

    /// <summary>Writable operand 4.</summary>
    public Span<T> W4 { get; init; }

    /// <summary>Writable operand 5.</summary>
    public Span<T> W5 { get; init; }
}
