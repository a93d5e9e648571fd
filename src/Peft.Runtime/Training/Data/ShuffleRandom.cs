namespace Peft.Training;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): <c>s ← s + 0x9E3779B97F4A7C15</c>, output a bijective mix of
/// <c>s</c>. Its whole state is one 64-bit number, so a checkpoint stores it and a resumed run draws the
/// same shuffles (<see cref="System.Random"/> exposes no state).
/// </summary>
internal struct ShuffleRandom(ulong state)
{
    /// <summary>The state; setting it replays the sequence from there.</summary>
    public ulong State = state;

    public ulong Next()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A number in <c>[0, bound)</c>: the high 64 bits of <c>next · bound</c> (Lemire's multiply-shift; bias below 2⁻³²).</summary>
    public int NextInt(int bound) => (int)(((UInt128)Next() * (ulong)bound) >> 64);

    /// <summary>Fisher–Yates shuffle of <paramref name="values"/> in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
