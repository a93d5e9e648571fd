namespace Peft.Training;

/// <summary>
/// A dataset the <see cref="Trainer"/> draws mini-batches from by example index. Implement
/// <see cref="FillBatch"/> without allocating (reshape the batch's tensors and copy into them) to keep
/// steady-state steps allocation-free. Ready-made: <see cref="ArrayDataset"/> (in-memory arrays),
/// <see cref="CsvDataset"/> (numeric CSV) and <see cref="TextDataset"/> (text through a tokenizer: packed blocks or one example per JSONL line).
/// </summary>
public abstract class TrainingData
{
    /// <summary>The number of examples.</summary>
    public abstract int Count { get; }

    /// <summary>Fills <paramref name="batch"/> with the examples at <paramref name="indices"/>, in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[0, Count)</c>.</exception>
    public abstract void FillBatch(ReadOnlySpan<int> indices, Batch batch);

    /// <summary>Throws unless every index is in <c>[0, Count)</c>, naming the first one that is not.</summary>
    protected void CheckIndices(ReadOnlySpan<int> indices)
    {
        int count = Count;
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i],
                    $"{GetType().Name}: batch position {i} asks for example {indices[i]}, outside [0, {count}).");
            }
        }
    }
}
