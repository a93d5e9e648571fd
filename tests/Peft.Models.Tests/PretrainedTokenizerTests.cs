using System.Text.Json;

namespace Peft.Models.Tests;

public sealed class PretrainedTokenizerTests
{
    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void SentencePieceModelEncodesAsSentencePieceWithBos()
    {
        // Fixtures/sentencepiece: a BPE model with byte fallback trained by SentencePiece 0.1.97, and the ids
        // SentencePiece's own encoder gives (make_tokenizer.py); transformers' Llama tokenizer adds BOS (1) first.
        var tokenizer = PretrainedTokenizer.Load(Folder("sentencepiece"));
        var expected = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(Folder("sentencepiece"), "expected.json")), TestJsonContext.Default.DictionaryStringInt32Array)!;
        Assert.Equal(4, expected.Count);
        foreach (var (text, ids) in expected)
        {
            var ours = tokenizer.EncodeToIds(text);
            Assert.Equal([1, .. ids], ours);
            Assert.Equal(text, tokenizer.Decode(ours));
        }
    }

    [Fact]
    public void ByteLevelBpeTokenizerJsonAppliesTheMergesInRankOrder()
    {
        // "hello world!" → pre-tokens "hello", "Ġworld", "!" → h e l l o ⇒ he ll ⇒ hell ⇒ hello; Ġ w o r l d ⇒ Ġw or l d.
        var tokenizer = PretrainedTokenizer.Load(Folder("byte-level-bpe"));
        var ids = tokenizer.EncodeToIds("hello world!");
        Assert.Equal([11, 12, 13, 2, 7, 14], ids);
        Assert.Equal("hello world!", tokenizer.Decode(ids));

        // "Ġhello": "h e" outranks "Ġ h", so the merges give Ġ + hello, never Ġh.
        Assert.Equal([4, 11], tokenizer.EncodeToIds(" hello"));
        Assert.Equal([11, 16], tokenizer.EncodeToIds("hello<|endoftext|>"));
    }

    [Fact]
    public void UnsupportedKindsAndMissingFilesAreClearErrors()
    {
        string folder = Fixtures.TemporaryFolder();
        Assert.False(PretrainedTokenizer.Exists(folder));
        Assert.Throws<FileNotFoundException>(() => PretrainedTokenizer.Load(folder));

        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), """{"model": {"type": "WordPiece", "vocab": {}}}""");
        Assert.Contains("model.type 'WordPiece'", Assert.Throws<NotSupportedException>(() => PretrainedTokenizer.Load(folder)).Message);

        File.WriteAllText(Path.Combine(folder, "tokenizer.json"),
            """{"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""");
        Assert.Contains("no ByteLevel step", Assert.Throws<NotSupportedException>(() => PretrainedTokenizer.Load(folder)).Message);

        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\"model\": ");
        Assert.Throws<InvalidDataException>(() => PretrainedTokenizer.Load(folder));

        File.WriteAllText(Path.Combine(folder, "tokenizer.model"), "not a protobuf");
        Assert.Contains("tokenizer.model", Assert.Throws<InvalidDataException>(() => PretrainedTokenizer.Load(folder)).Message);
    }
}
