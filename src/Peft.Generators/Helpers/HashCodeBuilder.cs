using System.Collections.Generic;

namespace Peft.Generators.Helpers;

/// <summary>
/// Combines hash codes (FNV-1a style over the element hashes); netstandard2.0 has no
/// <c>System.HashCode</c>.
/// </summary>
internal struct HashCodeBuilder
{
    private int _hash;
    private bool _started;

    public void Add<T>(T value)
    {
        if (!_started)
        {
            _hash = unchecked((int)2166136261);
            _started = true;
        }

        _hash = unchecked((_hash ^ EqualityComparer<T>.Default.GetHashCode(value!)) * 16777619);
    }

    public readonly int Result => _hash;
}
