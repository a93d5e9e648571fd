using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Peft.Models;

/// <summary>
/// Loads the tokenizer of a Hugging Face model folder with Microsoft.ML.Tokenizers 2.0.1, which reads:
/// <list type="bullet">
/// <item><c>tokenizer.model</c>, a SentencePiece model (Llama 1/2, TinyLlama, Mistral): a
/// <see cref="LlamaTokenizer"/> that adds the beginning-of-sentence token, as transformers' Llama tokenizer does;</item>
/// <item><c>tokenizer.json</c> whose model is byte-level BPE (GPT-2 style: SmolLM, Qwen2, Llama 3): a
/// <see cref="BpeTokenizer"/> built from its vocabulary, merges, pre-tokenizer regex and added tokens.</item>
/// </list>
/// 2.0.1 has no reader for tokenizer.json itself; other tokenizer.json models (WordPiece, Unigram, BPE that is not
/// byte-level) are reported as not supported rather than guessed.
/// </summary>
public static class PretrainedTokenizer
{
    /// <summary>The SentencePiece file name.</summary>
    public const string SentencePieceFile = "tokenizer.model";

    /// <summary>The Hugging Face tokenizers file name.</summary>
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>GPT-2's pre-tokenizer regex, which ByteLevel with <c>use_regex</c> applies.</summary>
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Whether <paramref name="directory"/> has a tokenizer file.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, SentencePieceFile)) || File.Exists(Path.Combine(directory, TokenizerJsonFile));

    /// <summary>Loads the tokenizer of <paramref name="directory"/> (<c>tokenizer.model</c> first, then <c>tokenizer.json</c>).</summary>
    /// <exception cref="FileNotFoundException">The folder has neither file.</exception>
    /// <exception cref="NotSupportedException">The file's tokenizer kind cannot be loaded with Microsoft.ML.Tokenizers 2.0.1; the message says which.</exception>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the field.</exception>
    public static Tokenizer Load(string directory)
    {
        string sentencePiece = Path.Combine(directory, SentencePieceFile);
        if (File.Exists(sentencePiece))
        {
            using var stream = File.OpenRead(sentencePiece);
            try
            {
                return LlamaTokenizer.Create(stream, addBeginOfSentence: true, addEndOfSentence: false);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or FormatException or NotSupportedException
                or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw new InvalidDataException($"{sentencePiece}: not a SentencePiece model Microsoft.ML.Tokenizers can load: {exception.Message}", exception);
            }
        }

        string json = Path.Combine(directory, TokenizerJsonFile);
        if (File.Exists(json))
        {
            return LoadTokenizerJson(json);
        }

        throw new FileNotFoundException($"{directory}: no {SentencePieceFile} and no {TokenizerJsonFile}.");
    }

    private static BpeTokenizer LoadTokenizerJson(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            var root = document.RootElement;
            var model = Property(root, "model", path);
            string type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "(none)";
            if (type != "BPE")
            {
                throw new NotSupportedException($"{path}: model.type '{type}' cannot be loaded with Microsoft.ML.Tokenizers 2.0.1; supported: byte-level BPE (or a SentencePiece {SentencePieceFile}).");
            }

            string? pattern = ByteLevelPattern(root, path);
            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in Property(model, "vocab", path).EnumerateObject())
            {
                vocabulary[entry.Name] = entry.Value.TryGetInt32(out int id) ? id : throw Field(path, $"model.vocab['{entry.Name}']", "is not a token id");
            }

            var merges = new List<string>();
            foreach (var merge in Property(model, "merges", path).EnumerateArray())
            {
                // tokenizers writes "a b" (before 0.20) or ["a", "b"].
                merges.Add(merge.ValueKind switch
                {
                    JsonValueKind.String => merge.GetString()!,
                    JsonValueKind.Array when merge.GetArrayLength() == 2 => $"{merge[0].GetString()} {merge[1].GetString()}",
                    _ => throw Field(path, "model.merges", $"holds {merge.GetRawText()}; expected \"a b\" or [\"a\", \"b\"]"),
                });
            }

            var special = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in added.EnumerateArray())
                {
                    special[token.GetProperty("content").GetString()!] = token.GetProperty("id").GetInt32();
                }
            }

            var options = new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                SpecialTokens = special,
                PreTokenizer = new RegexPreTokenizer(new Regex(pattern ?? Gpt2Pattern, RegexOptions.Compiled), special),
            };
            return BpeTokenizer.Create(options);
        }
    }

    /// <summary>
    /// The pre-tokenizer regex of a byte-level tokenizer: a <c>Split</c> pattern in a <c>Sequence</c> with
    /// <c>ByteLevel</c>, or <see langword="null"/> for a plain <c>ByteLevel</c> (GPT-2's pattern).
    /// </summary>
    private static string? ByteLevelPattern(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            throw new NotSupportedException($"{path}: pre_tokenizer is absent; only byte-level BPE tokenizer.json files can be loaded with Microsoft.ML.Tokenizers 2.0.1.");
        }

        JsonElement[] steps = TypeOf(pre) == "Sequence" && pre.TryGetProperty("pretokenizers", out var list)
            ? [.. list.EnumerateArray()]
            : [pre];
        if (!steps.Any(step => TypeOf(step) == "ByteLevel"))
        {
            throw new NotSupportedException(
                $"{path}: pre_tokenizer has no ByteLevel step ({string.Join(", ", steps.Select(TypeOf))}); only byte-level BPE tokenizer.json files can be loaded with Microsoft.ML.Tokenizers 2.0.1.");
        }

        foreach (var step in steps)
        {
            if (TypeOf(step) == "Split" && step.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var regex))
            {
                return regex.GetString();
            }
        }

        return null;
    }

    private static string TypeOf(JsonElement element) =>
        element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "(none)";

    private static JsonElement Property(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : throw Field(path, name, "is missing");

    private static InvalidDataException Field(string path, string field, string problem) => new($"{path}: field '{field}' {problem}.");
}
