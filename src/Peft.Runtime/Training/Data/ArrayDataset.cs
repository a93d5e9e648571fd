namespace Peft.Training;

/// <summary>
/// Examples held in memory as row-major arrays: features <c>[count, featureWidth]</c> and, for
/// classification, one label per example and/or, for a user-supplied loss, targets <c>[count, targetWidth]</c>.
/// The arrays are used as given (not copied).
/// </summary>
public sealed class ArrayDataset : TrainingData
{
    private readonly float[] _features;
    private readonly int[]? _labels;
    private readonly float[]? _targets;

    /// <summary>Creates a dataset over <paramref name="features"/> with optional labels and targets.</summary>
    /// <param name="features">Row-major features, <c>count × featureWidth</c> values.</param>
    /// <param name="featureWidth">Features per example; positive.</param>
    /// <param name="labels">One class label per example, or null.</param>
    /// <param name="targets">Row-major targets, <c>count × targetWidth</c> values, or null.</param>
    /// <param name="targetWidth">Targets per example (ignored without targets).</param>
    /// <exception cref="ArgumentException">The lengths disagree; the message names them.</exception>
    public ArrayDataset(float[] features, int featureWidth, int[]? labels = null, float[]? targets = null, int targetWidth = 1)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureWidth);
        if (features.Length == 0 || features.Length % featureWidth != 0)
        {
            throw new ArgumentException(
                $"ArrayDataset: {features.Length} feature values are not a positive multiple of the feature width {featureWidth}.", nameof(features));
        }

        int count = features.Length / featureWidth;
        if (labels is not null && labels.Length != count)
        {
            throw new ArgumentException($"ArrayDataset: {labels.Length} labels for {count} examples.", nameof(labels));
        }

        if (targets is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
            if (targets.Length != (long)count * targetWidth)
            {
                throw new ArgumentException(
                    $"ArrayDataset: {targets.Length} target values for {count} examples of width {targetWidth} (expected {(long)count * targetWidth}).",
                    nameof(targets));
            }
        }

        _features = features;
        _labels = labels;
        _targets = targets;
        FeatureWidth = featureWidth;
        TargetWidth = targets is null ? 0 : targetWidth;
        Count = count;
    }

    /// <inheritdoc />
    public override int Count { get; }

    /// <summary>Features per example.</summary>
    public int FeatureWidth { get; }

    /// <summary>Targets per example (0 without targets).</summary>
    public int TargetWidth { get; }

    /// <summary>The features, row-major.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>The labels (empty without labels).</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>A new dataset with copies of the examples at <paramref name="indices"/>, in that order (a train/test split).</summary>
    public ArrayDataset Subset(ReadOnlySpan<int> indices)
    {
        CheckIndices(indices);
        var features = new float[indices.Length * FeatureWidth];
        var labels = _labels is null ? null : new int[indices.Length];
        var targets = _targets is null ? null : new float[indices.Length * TargetWidth];
        for (int i = 0; i < indices.Length; i++)
        {
            Copy(indices[i], i, features, labels, targets);
        }

        return new ArrayDataset(features, FeatureWidth, labels, targets, Math.Max(TargetWidth, 1));
    }

    /// <inheritdoc />
    public override void FillBatch(ReadOnlySpan<int> indices, Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckIndices(indices);
        batch.Size = indices.Length;
        batch.Inputs.Reshape(indices.Length, FeatureWidth);
        if (_labels is not null)
        {
            batch.Labels.Reshape(indices.Length);
        }

        if (_targets is not null)
        {
            batch.Targets.Reshape(indices.Length, TargetWidth);
        }

        var features = batch.Inputs.Span;
        var labels = _labels is null ? Span<int>.Empty : batch.Labels.Span;
        var targets = _targets is null ? Span<float>.Empty : batch.Targets.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            Copy(indices[i], i, features, labels, targets);
        }
    }

    private void Copy(int source, int destination, Span<float> features, Span<int> labels, Span<float> targets)
    {
        _features.AsSpan(source * FeatureWidth, FeatureWidth).CopyTo(features.Slice(destination * FeatureWidth, FeatureWidth));
        if (_labels is not null)
        {
            labels[destination] = _labels[source];
        }

        if (_targets is not null)
        {
            _targets.AsSpan(source * TargetWidth, TargetWidth).CopyTo(targets.Slice(destination * TargetWidth, TargetWidth));
        }
    }
}
