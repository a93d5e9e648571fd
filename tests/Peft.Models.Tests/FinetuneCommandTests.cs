using System.Globalization;
using System.Text.RegularExpressions;
using Peft.Cli;
using Peft.IO;
using Peft.Tests.Cli;

namespace Peft.Models.Tests;

/// <summary><c>peft finetune</c>, called in-process through the tool's entry point.</summary>
public sealed partial class FinetuneCommandTests
{
    private const string Text =
        "The capital of France is Paris. The capital of Italy is Rome.\n" +
        "A tiny Llama learns to repeat: hello world, hello world, hello world.\n";

    [Fact]
    [Trait("Category", "Slow")]
    public void FinetuningATinyModelLowersTheLossAndSavesAnAdapterThatLoadsBack()
    {
        string model = TinyModelWithTokenizer();
        string data = Path.Combine(Fixtures.TemporaryFolder(), "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat(Text, 12)));
        string output = Path.Combine(Fixtures.TemporaryFolder(), "adapter");

        var (code, stdout, stderr) = Run("finetune", "--model", model, "--data", data, "--out", output,
            "--target", "q_proj,v_proj,down_proj", "--rank", "8", "--steps", "60", "--batch-size", "4", "--block-size", "32",
            "--lr", "1e-2", "--validation", "0.2", "--eval-every", "30", "--log-every", "20");
        Assert.True(code == 0, stderr);
        Assert.Empty(stderr);
        Assert.Contains("adapter: LoRA r 8, alpha 16 on q_proj, v_proj, down_proj: 6 modules", stdout);
        Assert.Matches(@"step +60/60 +loss", stdout);

        // The training and evaluation losses both fall well below their start (ln 400 ≈ 6.0 for a random model).
        var done = DoneLine().Match(stdout);
        Assert.True(done.Success, stdout);
        double trainBefore = Number(done, "train0"), trainAfter = Number(done, "train1");
        double evalBefore = Number(done, "eval0"), evalAfter = Number(done, "eval1");
        Assert.InRange(trainBefore, 5.0, 7.0);
        Assert.True(trainAfter < 0.5 * trainBefore, stdout);
        Assert.True(evalAfter < 0.5 * evalBefore, stdout);

        // A PEFT folder that loads back: the adapted model's evaluation loss is the trained one, not the base's.
        Assert.True(File.Exists(Path.Combine(output, PeftAdapterDirectory.ConfigFileName)));
        Assert.True(File.Exists(Path.Combine(output, "metrics.csv")));
        var tuned = LlamaForCausalLM.FromPretrained(model);
        var config = tuned.LoadAdapter(output);
        Assert.Equal(8, config.R);
        Assert.Equal("CAUSAL_LM", config.TaskType);
        var ids = Tensor<int>.Wrap([.. PretrainedTokenizer.Load(model).EncodeToIds(Text + Text).Take(32)], 1, 32);
        var loss = new CausalLMLoss<float>();
        double tunedLoss = loss.Forward(tuned.Forward(ids), ids);
        double baseLoss = loss.Forward(LlamaForCausalLM.FromPretrained(model).Forward(ids), ids);
        Assert.True(tunedLoss < 0.5 * baseLoss, $"{tunedLoss} vs {baseLoss}");

        // And `peft generate` takes it.
        (code, stdout, stderr) = Run("generate", "--model", model, "--adapter", output, "--prompt", "The capital of", "--max-new-tokens", "4");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("ids: ", stdout);
    }

    [Fact]
    public void DoRAFinetuningWritesAUseDoraAdapterThatLoadsBack()
    {
        string model = TinyModelWithTokenizer();
        string data = Path.Combine(Fixtures.TemporaryFolder(), "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat(Text, 4)));
        string output = Path.Combine(Fixtures.TemporaryFolder(), "dora");
        var (code, stdout, stderr) = Run("finetune", "--model", model, "--data", data, "--out", output, "--method", "dora",
            "--target", "q_proj,v_proj", "--rank", "4", "--steps", "3", "--batch-size", "2", "--block-size", "16", "--validation", "0");
        Assert.True(code == 0, stderr);
        Assert.Contains("adapter: DoRA r 4, alpha 8 on q_proj, v_proj", stdout);

        var tuned = LlamaForCausalLM.FromPretrained(model);
        Assert.True(tuned.LoadAdapter(output).UseDora);
        Assert.Contains(tuned.NamedParameters(), p => p.Key.Contains("lora_magnitude_vector", StringComparison.Ordinal));
    }

    [Fact]
    public void DropoutAndRsLoRAReachTheAdapterAndItsConfig()
    {
        string model = TinyModelWithTokenizer();
        string data = Path.Combine(Fixtures.TemporaryFolder(), "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat(Text, 4)));
        string output = Path.Combine(Fixtures.TemporaryFolder(), "dropout");
        var (code, stdout, stderr) = Run("finetune", "--model", model, "--data", data, "--out", output, "--method", "loraplus",
            "--dropout", "0.1", "--rslora", "--rank", "4", "--steps", "2", "--batch-size", "2", "--block-size", "16", "--validation", "0");
        Assert.True(code == 0, stderr);
        Assert.Contains("adapter: LoRA+ r 4, alpha 8, ratio 16, dropout 0.1, rsLoRA on q_proj, v_proj", stdout);

        var config = PeftAdapterConfig.Parse(File.ReadAllText(Path.Combine(output, "adapter_config.json")));
        Assert.Equal(0.1, config.LoraDropout);
        Assert.True(config.UseRsLoRA);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void ResumingFromACheckpointGivesTheAdapterOfAnUninterruptedRun()
    {
        string model = TinyModelWithTokenizer();
        string data = Path.Combine(Fixtures.TemporaryFolder(), "train.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat(Text, 6)));
        string[] Arguments(string output) =>
        [
            "finetune", "--model", model, "--data", data, "--out", output, "--method", "loraplus", "--rank", "4", "--steps", "12",
            "--batch-size", "2", "--gradient-accumulation", "2", "--block-size", "24", "--lr", "3e-3", "--warmup-steps", "3",
            "--checkpoint-every", "6", "--validation", "0.25", "--seed", "7",
        ];

        string whole = Path.Combine(Fixtures.TemporaryFolder(), "whole");
        var (code, stdout, stderr) = Run(Arguments(whole));
        Assert.True(code == 0, stderr);
        Assert.Contains("LoRA+ parameter groups", stdout);

        // Interrupted after step 6: the run's folder as it was then (checkpoint-6 only), resumed.
        string resumed = Path.Combine(Fixtures.TemporaryFolder(), "resumed");
        string checkpoint = Path.Combine(FinetuneCommand.CheckpointFolder, "checkpoint-00000006");
        CopyFolder(Path.Combine(whole, checkpoint), Path.Combine(resumed, checkpoint));
        (code, _, stderr) = Run(Arguments(resumed));
        Assert.Equal(1, code);
        Assert.Contains("the output exists and is not empty", stderr);
        (code, stdout, stderr) = Run([.. Arguments(resumed), "--resume"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("resumed at step 6 of 12", stdout);

        string weights = PeftAdapterDirectory.WeightsFileName;
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, weights)), File.ReadAllBytes(Path.Combine(resumed, weights)));
    }

    [Theory]
    [InlineData("model-is-file", "--model: ", "is a file; a model is a Hugging Face folder holding config.json")]
    [InlineData("no-config", "--model: ", "has no config.json")]
    [InlineData("no-weights", "--model: ", "has no model.safetensors and no model.safetensors.index.json")]
    [InlineData("no-tokenizer", "--model: ", "has no tokenizer.model or tokenizer.json")]
    [InlineData("data-is-folder", "--data: ", "is a folder; give a file")]
    [InlineData("out-is-file", "--out: ", "is a file; give a folder")]
    [InlineData("out-not-empty", "--out: ", "the output exists and is not empty; give a new or empty folder, or pass --resume")]
    [InlineData("out-under-file", "--out: ", "cannot create the folder")]
    [InlineData("no-match", "No module matches", "Linear and Embedding layers: model.embed_tokens, model.layers.0.self_attn.q_proj")]
    public void BadPathsAndTargetsAreOneErrorLine(string problem, string prefix, string expected)
    {
        string model = TinyModelWithTokenizer();
        string scratch = Fixtures.TemporaryFolder();
        string data = Path.Combine(scratch, "train.txt");
        File.WriteAllText(data, Text);
        string output = Path.Combine(scratch, "out");
        string target = "q_proj";
        switch (problem)
        {
            case "model-is-file":
                model = Path.Combine(model, "config.json");
                break;
            case "no-config":
                File.Delete(Path.Combine(model, "config.json"));
                break;
            case "no-weights":
                File.Delete(Path.Combine(model, "model.safetensors"));
                break;
            case "no-tokenizer":
                File.Delete(Path.Combine(model, "tokenizer.model"));
                break;
            case "data-is-folder":
                data = scratch;
                break;
            case "out-is-file":
                output = data;
                break;
            case "out-not-empty":
                Directory.CreateDirectory(output);
                File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
                break;
            case "out-under-file":
                output = Path.Combine(data, "adapter");
                break;
            case "no-match":
                target = "query";
                break;
        }

        var (code, stdout, stderr) = Run("finetune", "--model", model, "--data", data, "--out", output, "--target", target, "--steps", "1", "--validation", "0");
        Assert.Equal(1, code);
        Assert.StartsWith($"peft: error: {prefix}", stderr);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain(" at Peft.", stderr);
        if (problem == "out-not-empty")
        {
            Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
        }

        Assert.DoesNotContain("adapter:", stdout);
    }

    [Theory]
    [InlineData(new[] { "finetune", "--data", "d", "--out", "o" }, "Option '--model' is required.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--method", "vera" }, "Argument 'vera' not recognized. Must be one of:")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--rank", "0" }, "--rank must be at least 1, got 0.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--lr", "fast" }, "--lr takes a number, got 'fast'.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--steps", "-3" }, "--steps must be at least 0, got -3.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--rnak", "4" }, "Unrecognized command or argument '--rnak'.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--dropout", "1" }, "--dropout must be in [0, 1), got 1.")]
    [InlineData(new[] { "finetune", "--model", "m", "--data", "d", "--out", "o", "--method", "mora", "--rslora" }, "--dropout and --rslora apply to lora, loraplus and dora; MoRA has neither.")]
    public void BadUsageExitsTwo(string[] args, string expected)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.StartsWith($"peft: {expected}", stderr);
        Assert.Contains("Run 'peft finetune --help' for usage.", stderr);
        if (expected.Contains("--rnak", StringComparison.Ordinal))
        {
            Assert.Contains("Did you mean one of the following?\n--rank", stderr.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void HelpDescribesEveryOption()
    {
        var (code, stdout, _) = Run("finetune", "--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--model", "--data", "--out", "--target", "--method", "--rank", "--dropout", "--rslora", "--steps", "--resume", "--lr" })
        {
            Assert.Matches($@"(?m)^\s+{option}\b.*\S+\s{{2,}}\S", stdout);
        }
    }

    /// <summary>
    /// A random tiny Llama whose vocabulary fits the SentencePiece fixture (400 ids), with that tokenizer. Weights are
    /// drawn with std 0.1 (not 0.02): the frozen LM head must be able to give confident logits once the adapters move
    /// the hidden states (after the final RMSNorm a logit is at most about std · hidden).
    /// </summary>
    internal static string TinyModelWithTokenizer()
    {
        string folder = Fixtures.TemporaryFolder();
        string config = File.ReadAllText(Path.Combine(Fixtures.TinyLlama, "config.json")).Replace("\"vocab_size\": 256", "\"vocab_size\": 400").Replace("\"initializer_range\": 0.02", "\"initializer_range\": 0.1");
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        new LlamaForCausalLM(LlamaConfig.Parse(System.Text.Encoding.UTF8.GetBytes(config)), seed: 5).SaveWeights(Path.Combine(folder, "model.safetensors"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sentencepiece", "tokenizer.model"), Path.Combine(folder, "tokenizer.model"));
        return folder;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static double Number(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"done: step \d+ in [\d.]+ s; training loss (?<train0>[\d.]+) -> (?<train1>[\d.]+); eval loss (?<eval0>[\d.]+) -> (?<eval1>[\d.]+)")]
    private static partial Regex DoneLine();

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => PeftRunner.Run(args);
}
