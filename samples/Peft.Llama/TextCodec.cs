using Microsoft.ML.Tokenizers;
using Peft.Models;

namespace Peft.Llama;

/// <summary>Text ↔ ids: the model folder's tokenizer, or UTF-8 bytes (ids 0–255) for the built-in byte-level model.</summary>
internal sealed class TextCodec(Tokenizer? tokenizer)
{
    public static TextCodec ForFolder(string directory) =>
        PretrainedTokenizer.Exists(directory)
            ? new TextCodec(PretrainedTokenizer.Load(directory))
            : throw new InvalidOperationException($"{directory}: the sample needs a tokenizer.model or tokenizer.json to turn text into ids.");

    public static TextCodec Bytes { get; } = new(null);

    public int[] Encode(string text) =>
        tokenizer is null ? [.. System.Text.Encoding.UTF8.GetBytes(text).Select(static b => (int)b)] : [.. tokenizer.EncodeToIds(text)];

    public string Decode(IEnumerable<int> ids) =>
        tokenizer is null
            ? new string([.. System.Text.Encoding.UTF8.GetString([.. ids.Select(static id => (byte)id)]).Select(static c => char.IsControl(c) ? '·' : c)])
            : tokenizer.Decode(ids);
}
