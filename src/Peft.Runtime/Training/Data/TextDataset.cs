using System.Text.Json;

namespace Peft.Training;

/// <summary>
/// Text for language models: each example is a sequence of token ids of fixed length, truncated or padded,
/// with labels equal to the tokens and −100 (ignored, as transformers' <c>ignore_index</c>) at padding.
/// A causal-LM loss shifts labels itself (predicts label <c>s + 1</c> from position <c>s</c>).
/// Batches fill <see cref="Batch.Tokens"/> and <see cref="Batch.Labels"/>, both <c>[batch, sequence]</c>.
/// </summary>
public sealed class TextDataset : TrainingData
{
    /// <summary>The label of positions that the loss ignores (padding).</summary>
    public const int IgnoreIndex = -100;

    private readonly int[] _tokens;
    private readonly int[] _labels;

    private TextDataset(int[] tokens, int[] labels, int sequenceLength)
    {
        _tokens = tokens;
        _labels = labels;
        SequenceLength = sequenceLength;
        Count = tokens.Length / sequenceLength;
    }

    /// <inheritdoc />
    public override int Count { get; }

    /// <summary>Tokens per example.</summary>
    public int SequenceLength { get; }

    /// <summary>Builds a dataset from texts.</summary>
    /// <param name="texts">The texts, one example each.</param>
    /// <param name="tokenize">Turns a text into token ids (for example a model's tokenizer).</param>
    /// <param name="sequenceLength">Tokens per example; longer texts are truncated, shorter ones padded.</param>
    /// <param name="padTokenId">The id written at padding positions.</param>
    /// <exception cref="ArgumentException">There is no text, or a text gives no token; the message names its index.</exception>
    public static TextDataset FromTexts(IReadOnlyList<string> texts, Func<string, IReadOnlyList<int>> tokenize, int sequenceLength, int padTokenId = 0)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        if (texts.Count == 0)
        {
            throw new ArgumentException("TextDataset: there is no text.", nameof(texts));
        }

        var tokens = new int[texts.Count * sequenceLength];
        var labels = new int[tokens.Length];
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = tokenize(texts[i]);
            if (ids.Count == 0)
            {
                throw new ArgumentException($"TextDataset: text {i} gives no token.", nameof(texts));
            }

            for (int s = 0; s < sequenceLength; s++)
            {
                bool real = s < ids.Count;
                tokens[i * sequenceLength + s] = real ? ids[s] : padTokenId;
                labels[i * sequenceLength + s] = real ? ids[s] : IgnoreIndex;
            }
        }

        return new TextDataset(tokens, labels, sequenceLength);
    }

    /// <summary>
    /// Reads a JSONL file (one JSON object per line, blank lines skipped) and tokenizes the string
    /// <paramref name="field"/> of each object.
    /// </summary>
    /// <exception cref="FormatException">A line is not a JSON object with a string <paramref name="field"/>; the message names the file and line.</exception>
    public static TextDataset LoadJsonl(string path, Func<string, IReadOnlyList<int>> tokenize, int sequenceLength, string field = "text", int padTokenId = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(field);
        var texts = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{path}: line {lineNumber} is not a JSON object with a string field \"{field}\".");
                }

                texts.Add(value.GetString()!);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}: line {lineNumber} is not valid JSON: {e.Message}", e);
            }
        }

        if (texts.Count == 0)
        {
            throw new FormatException($"{path}: no JSON line.");
        }

        return FromTexts(texts, tokenize, sequenceLength, padTokenId);
    }

    /// <inheritdoc />
    public override void FillBatch(ReadOnlySpan<int> indices, Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckIndices(indices);
        batch.Size = indices.Length;
        batch.Tokens.Reshape(indices.Length, SequenceLength);
        batch.Labels.Reshape(indices.Length, SequenceLength);
        for (int i = 0; i < indices.Length; i++)
        {
            _tokens.AsSpan(indices[i] * SequenceLength, SequenceLength).CopyTo(batch.Tokens.Span.Slice(i * SequenceLength, SequenceLength));
            _labels.AsSpan(indices[i] * SequenceLength, SequenceLength).CopyTo(batch.Labels.Span.Slice(i * SequenceLength, SequenceLength));
        }
    }
}
