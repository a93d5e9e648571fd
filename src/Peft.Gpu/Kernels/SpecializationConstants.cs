namespace Peft.Gpu.Kernels;

/// <summary>
/// The specialization constants of a kernel, constant id i = element i, each a 32-bit word (a <c>uint</c>, or a
/// <c>float</c>'s bits). Value-equal, so that a pipeline built for one set is found again for an equal one.
/// </summary>
public readonly struct SpecializationConstants : IEquatable<SpecializationConstants>
{
    private readonly uint[]? _words;

    /// <summary>Creates the constants from their words (copied).</summary>
    public SpecializationConstants(params ReadOnlySpan<uint> words) => _words = words.IsEmpty ? null : words.ToArray();

    /// <summary>No constants: the shader's defaults.</summary>
    public static SpecializationConstants None => default;

    /// <summary>The words, constant id i at index i.</summary>
    public ReadOnlySpan<uint> Words => _words;

    /// <inheritdoc />
    public bool Equals(SpecializationConstants other) => Words.SequenceEqual(other.Words);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SpecializationConstants other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (uint word in Words)
        {
            hash.Add(word);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Words.ToArray()) + "]";

    /// <summary>Value equality.</summary>
    public static bool operator ==(SpecializationConstants left, SpecializationConstants right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(SpecializationConstants left, SpecializationConstants right) => !left.Equals(right);
}
