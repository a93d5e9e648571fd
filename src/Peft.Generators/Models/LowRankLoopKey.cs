using System;

namespace Peft.Generators.Models;

/// <summary>What one struct of rank-unrolled loops depends on: the element type and the rank.</summary>
internal readonly record struct LowRankLoopKey(string ElementType, int Rank) : IComparable<LowRankLoopKey>
{
    /// <summary>Element type, then rank: the order of the loops file.</summary>
    public int CompareTo(LowRankLoopKey other)
    {
        int byType = string.CompareOrdinal(ElementType, other.ElementType);
        return byType != 0 ? byType : Rank.CompareTo(other.Rank);
    }
}
