namespace Peft.Training;

/// <summary>
/// Draws mini-batches of example indices: each epoch is a fresh permutation of <c>[0, count)</c>
/// (Fisher–Yates with <see cref="ShuffleRandom"/>), cut into consecutive batches; the last batch of an
/// epoch may be smaller. Its whole state (order, position, epoch, generator) goes into checkpoints.
/// </summary>
internal sealed class BatchSampler
{
    private readonly int[] _order;
    private ShuffleRandom _random;

    public BatchSampler(int count, ulong seed, bool shuffle)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Shuffles = shuffle;
        _order = new int[count];
        _random = new ShuffleRandom(seed);
        StartEpoch();
    }

    public bool Shuffles { get; }

    /// <summary>Epochs started before the current one.</summary>
    public int Epoch { get; private set; }

    /// <summary>Examples of the current epoch already drawn.</summary>
    public int Position { get; private set; }

    public ulong RandomState => _random.State;

    public ReadOnlySpan<int> Order => _order;

    /// <summary>The next batch of up to <paramref name="batchSize"/> indices (a view, valid until the next call).</summary>
    public ReadOnlySpan<int> Next(int batchSize)
    {
        if (Position == _order.Length)
        {
            Epoch++;
            StartEpoch();
        }

        int take = Math.Min(batchSize, _order.Length - Position);
        var batch = _order.AsSpan(Position, take);
        Position += take;
        return batch;
    }

    /// <summary>Restores a saved state; the order must be a permutation of this sampler's indices.</summary>
    public void Restore(ReadOnlySpan<int> order, int position, int epoch, ulong randomState, string source)
    {
        if (order.Length != _order.Length)
        {
            throw new InvalidDataException($"{source}: the sampler order has {order.Length} examples, the dataset {_order.Length}.");
        }

        var seen = new bool[order.Length];
        foreach (int index in order)
        {
            if ((uint)index >= (uint)order.Length || seen[index])
            {
                throw new InvalidDataException($"{source}: the sampler order is not a permutation of [0, {order.Length}) (index {index}).");
            }

            seen[index] = true;
        }

        if (position < 0 || position > order.Length || epoch < 0)
        {
            throw new InvalidDataException($"{source}: sampler position {position} / epoch {epoch} is out of range for {order.Length} examples.");
        }

        order.CopyTo(_order);
        Position = position;
        Epoch = epoch;
        _random.State = randomState;
    }

    private void StartEpoch()
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (Shuffles)
        {
            _random.Shuffle(_order);
        }

        Position = 0;
    }
}
