using System.Text.Json;

namespace Peft.Training;

/// <summary>
/// Text for language models: each example is a sequence of token ids of fixed length, with labels equal to the
/// tokens and −100 (ignored, as transformers' <c>ignore_index</c>) at padding. Either one example per text
/// (<see cref="FromTexts"/>, <see cref="LoadJsonl"/>: truncated or padded) or one token stream cut into blocks
/// (<see cref="Pack"/>, <see cref="LoadText"/>: transformers' <c>group_texts</c>). A causal-LM loss shifts labels
/// itself (predicts label <c>s + 1</c> from position <c>s</c>). Batches fill <see cref="Batch.Tokens"/> and
/// <see cref="Batch.Labels"/>, both <c>[batch, sequence]</c>; <see cref="Split"/> makes a seeded validation split.
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

    /// <summary>
    /// Packs one token stream into consecutive blocks of <paramref name="blockLength"/> tokens (block i holds
    /// tokens <c>[i·L, (i+1)·L)</c>), as transformers' <c>group_texts</c>, so no position is padding. A last block
    /// shorter than <paramref name="blockLength"/> is kept, padded (labels −100), when it holds at least two tokens
    /// (one token predicts nothing); a single leftover token is dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The stream has fewer than two tokens.</exception>
    public static TextDataset Pack(IReadOnlyList<int> tokens, int blockLength, int padTokenId = 0)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 2);
        if (tokens.Count < 2)
        {
            throw new ArgumentException($"TextDataset: the text gives {tokens.Count} token(s); a causal language model needs at least 2.", nameof(tokens));
        }

        // ⌈n / L⌉ blocks, less a trailing block of one token.
        int blocks = (tokens.Count + blockLength - 1) / blockLength;
        if (tokens.Count % blockLength == 1)
        {
            blocks--;
        }

        var ids = new int[blocks * blockLength];
        var labels = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            bool real = i < tokens.Count;
            ids[i] = real ? tokens[i] : padTokenId;
            labels[i] = real ? tokens[i] : IgnoreIndex;
        }

        return new TextDataset(ids, labels, blockLength);
    }

    /// <summary>Reads a UTF-8 text file, tokenizes it whole and packs the tokens into blocks (<see cref="Pack"/>).</summary>
    /// <exception cref="FormatException">The file is empty or gives fewer than two tokens; the message names it.</exception>
    public static TextDataset LoadText(string path, Func<string, IReadOnlyList<int>> tokenize, int blockLength, int padTokenId = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tokenize);
        string text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"{path}: the file holds no text.");
        }

        var tokens = tokenize(text);
        if (tokens.Count < 2)
        {
            throw new FormatException($"{path}: the text gives {tokens.Count} token(s); a causal language model needs at least 2.");
        }

        return Pack(tokens, blockLength, padTokenId);
    }

    /// <summary>The examples at <paramref name="indices"/>, in that order, as a new dataset.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[0, Count)</c>.</exception>
    public TextDataset Subset(ReadOnlySpan<int> indices)
    {
        CheckIndices(indices);
        var tokens = new int[indices.Length * SequenceLength];
        var labels = new int[tokens.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            _tokens.AsSpan(indices[i] * SequenceLength, SequenceLength).CopyTo(tokens.AsSpan(i * SequenceLength));
            _labels.AsSpan(indices[i] * SequenceLength, SequenceLength).CopyTo(labels.AsSpan(i * SequenceLength));
        }

        return new TextDataset(tokens, labels, SequenceLength);
    }

    /// <summary>
    /// Splits the examples at random (a Fisher–Yates permutation seeded by <paramref name="seed"/>, SplitMix64) into
    /// training and validation sets: the validation set takes <c>⌈fraction · Count⌉</c> examples (none for 0), the
    /// training set the rest, each in the permuted order. The same seed gives the same split.
    /// </summary>
    /// <exception cref="ArgumentException">The fraction is outside <c>[0, 1)</c>, or it would leave no training example.</exception>
    public (TextDataset Train, TextDataset Validation) Split(double validationFraction, ulong seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentException($"TextDataset.Split: the validation fraction is {validationFraction}; it must be in [0, 1).", nameof(validationFraction));
        }

        int validation = (int)Math.Ceiling(validationFraction * Count);
        if (validation >= Count && validation > 0)
        {
            throw new ArgumentException(
                $"TextDataset.Split: {Count} example(s) of {SequenceLength} tokens cannot give {validation} for validation and at least 1 for training; " +
                "use more text, shorter blocks or a smaller validation fraction.", nameof(validationFraction));
        }

        var order = new int[Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new ShuffleRandom(seed).Shuffle(order);
        return (Subset(order.AsSpan(validation)), Subset(order.AsSpan(0, validation)));
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
