using Peft.IO;
using Peft.Tests.Cli;

namespace Peft.Models.Tests;

/// <summary><c>peft generate</c>, called in-process through the tool's entry point.</summary>
public sealed class GenerateCommandTests
{
    [Fact]
    public void GreedyIdsAndLogitsWithTheAdapterMatchTransformers()
    {
        var reference = ReferenceFile.Load();
        string folder = Fixtures.TemporaryFolder();
        string output = Path.Combine(folder, "logits.safetensors");
        var (code, stdout, stderr) = Run("generate", "--model", Fixtures.TinyLlama, "--adapter", Fixtures.TinyLlamaLoRA,
            "--ids", "1,5,9,33,200,17", "--max-new-tokens", "4", $"--logits={output}");
        Assert.True(code == 0, stderr);

        using var file = SafetensorsFile.Open(output);
        Assert.Equal([1L, 6, 256], file.GetTensor("logits").Shape.ToArray());
        Assert.Equal(SafetensorsDType.F32, file.GetTensor("logits").DType);
        var logits = file.ReadValues<float>("logits");
        Assert.True(logits.Zip(reference.Logits).Max(p => Math.Abs(p.First - p.Second)) <= 2e-5);
        Assert.Single(Directory.GetFiles(folder)); // written atomically: no temporary file left

        // One line: the prompt, then the generated ids; the first is transformers' greedy token.
        var line = Assert.Single(stdout.TrimEnd().Split('\n'));
        Assert.StartsWith("ids: 1,5,9,33,200,17,", line);
        int[] ids = [.. line["ids: ".Length..].Split(',').Select(int.Parse)];
        Assert.InRange(ids.Length, 7, 10);
        Assert.Equal(TokenSampler.Greedy(reference.Logits.AsSpan(5 * 256, 256)), ids[6]);
    }

    [Fact]
    public void A_prompt_tuning_adapter_generates_as_the_library_does()
    {
        string adapter = Fixtures.TemporaryFolder();
        var tuned = new PromptTunedCausalLM<float>(LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama), new PromptTuningOptions { NumVirtualTokens = 3, Seed = 2 });
        tuned.Save(adapter);
        int[] expected = tuned.Generate([1, 5, 9, 33], new GenerationOptions { MaxNewTokens = 4 });

        string logitsPath = Path.Combine(Fixtures.TemporaryFolder(), "logits.safetensors");
        var (code, stdout, stderr) = Run("generate", "--model", Fixtures.TinyLlama, "--adapter", adapter, "--ids", "1,5,9,33",
            "--max-new-tokens", "4", $"--logits={logitsPath}");
        Assert.True(code == 0, stderr);
        Assert.Equal($"ids: {string.Join(',', new[] { 1, 5, 9, 33 }.Concat(expected))}", stdout.TrimEnd());
        using var file = SafetensorsFile.Open(logitsPath);
        Assert.Equal([1L, 3 + 4, 256], file.GetTensor("logits").Shape.ToArray()); // virtual positions first, as PEFT
    }

    [Fact]
    public void A_prefix_tuning_adapter_generates_as_the_library_does()
    {
        string adapter = Fixtures.TemporaryFolder();
        var tuned = new PrefixTunedCausalLM<float>(LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama),
            new PrefixTuningOptions { NumVirtualTokens = 3, PrefixProjection = true, Seed = 2 });
        tuned.Save(adapter);
        int[] expected = tuned.Generate([1, 5, 9, 33], new GenerationOptions { MaxNewTokens = 4 });

        string logitsPath = Path.Combine(Fixtures.TemporaryFolder(), "logits.safetensors");
        var (code, stdout, stderr) = Run("generate", "--model", Fixtures.TinyLlama, "--adapter", adapter, "--ids", "1,5,9,33",
            "--max-new-tokens", "4", $"--logits={logitsPath}");
        Assert.True(code == 0, stderr);
        Assert.Equal($"ids: {string.Join(',', new[] { 1, 5, 9, 33 }.Concat(expected))}", stdout.TrimEnd());
        using var file = SafetensorsFile.Open(logitsPath);
        Assert.Equal([1L, 4, 256], file.GetTensor("logits").Shape.ToArray()); // the real tokens only, as PEFT
    }

    [Fact]
    public void PromptGoesThroughTheFoldersTokenizerAndSamplingIsSeeded()
    {
        // A random model whose vocabulary fits the SentencePiece fixture (400 ids), saved with its tokenizer.
        string folder = Fixtures.TemporaryFolder();
        string config = File.ReadAllText(Path.Combine(Fixtures.TinyLlama, "config.json")).Replace("\"vocab_size\": 256", "\"vocab_size\": 400");
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        new LlamaForCausalLM(LlamaConfig.Parse(System.Text.Encoding.UTF8.GetBytes(config)), seed: 5).SaveWeights(Path.Combine(folder, "model.safetensors"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sentencepiece", "tokenizer.model"), Path.Combine(folder, "tokenizer.model"));

        string[] args = ["generate", "--model", folder, "--prompt", "hello world", "--max-new-tokens", "5", "--temperature", "0.9", "--top-k", "40", "--top-p", "0.95", "--seed", "3"];
        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("ids: 1,278,279,", lines[0]);
        Assert.StartsWith("text: hello world", lines[1]);
        Assert.Equal(stdout, Run(args).Stdout);
    }

    [Theory]
    [InlineData(new[] { "generate", "--ids", "1" }, "Option '--model' is required.")]
    [InlineData(new[] { "generate", "--model", "m" }, "generate needs exactly one of --ids and --prompt.")]
    [InlineData(new[] { "generate", "--model", "m", "--ids", "1", "--prompt", "x" }, "generate needs exactly one of --ids and --prompt.")]
    [InlineData(new[] { "generate", "--model", "m", "--ids", "1,x" }, "--ids takes comma-separated token ids; 'x' is not one.")]
    [InlineData(new[] { "generate", "--model", "m", "--ids", "1", "--top-k", "many" }, "--top-k takes a whole number, got 'many'.")]
    [InlineData(new[] { "generate", "--model", "m", "--ids", "1", "--beams", "4" }, "Unrecognized command or argument '--beams'.")]
    public void BadUsageExitsTwo(string[] args, string expected)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.StartsWith($"peft: {expected}", stderr);
        Assert.Contains("Run 'peft generate --help' for usage.", stderr);
    }

    [Theory]
    [InlineData("--ids", "1,256", "id 256")]
    [InlineData("--prompt", "hello", "--prompt needs a tokenizer.model or tokenizer.json")]
    [InlineData("--top-p", "1.5", "TopP = 1.5")]
    public void BadInputIsOneErrorLine(string option, string value, string expected)
    {
        string[] args = option == "--top-p"
            ? ["generate", "--model", Fixtures.TinyLlama, "--ids", "1", option, value]
            : ["generate", "--model", Fixtures.TinyLlama, option, value];
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.StartsWith("peft: error: ", stderr);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => PeftRunner.Run(args);
}
