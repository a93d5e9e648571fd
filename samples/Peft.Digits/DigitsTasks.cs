using Peft.Training;

namespace Peft.Digits;

/// <summary>
/// The UCI digits (8×8 images, pixel counts 0..16, scaled to 0..1) split once with a fixed seed into a
/// pretraining set (the original task) and a shifted task: images mirrored left to right and labels
/// rotated by one (digit d is class (d + 1) mod 10), with its own training and test examples.
/// </summary>
internal sealed record DigitsTasks(ArrayDataset Pretrain, ArrayDataset ShiftedTrain, ArrayDataset ShiftedTest)
{
    public const int Pixels = 64;
    public const int Classes = 10;

    public static DigitsTasks Load(string path, int pretrainCount = 900, int shiftedTrainCount = 597)
    {
        var all = CsvDataset.Load(path);
        if (all.FeatureWidth != Pixels)
        {
            throw new InvalidDataException($"{path}: {all.FeatureWidth} feature columns, expected {Pixels}.");
        }

        var features = all.Features.ToArray();
        for (int i = 0; i < features.Length; i++)
        {
            features[i] /= 16f;
        }

        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(2024).Shuffle(order);
        var scaled = new ArrayDataset(features, Pixels, all.Labels.ToArray());
        var shifted = Shift(scaled);
        return new DigitsTasks(
            scaled.Subset(order.AsSpan(0, pretrainCount)),
            shifted.Subset(order.AsSpan(pretrainCount, shiftedTrainCount)),
            shifted.Subset(order.AsSpan(pretrainCount + shiftedTrainCount)));
    }

    // x'[r, c] = x[r, 7 − c]; y' = (y + 1) mod 10.
    private static ArrayDataset Shift(ArrayDataset data)
    {
        var features = new float[data.Count * Pixels];
        var labels = new int[data.Count];
        for (int i = 0; i < data.Count; i++)
        {
            for (int r = 0; r < 8; r++)
            {
                for (int c = 0; c < 8; c++)
                {
                    features[i * Pixels + r * 8 + c] = data.Features[i * Pixels + r * 8 + 7 - c];
                }
            }

            labels[i] = (data.Labels[i] + 1) % Classes;
        }

        return new ArrayDataset(features, Pixels, labels);
    }
}
