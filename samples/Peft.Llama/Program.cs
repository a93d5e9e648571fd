// Fine-tunes a Llama-family model with LoRA on a short text: loss and a generation before and after, then the
// adapter saved as a PEFT folder. `dotnet run -c Release --project samples/Peft.Llama [-- --model DIR] [--steps N] [--out DIR]`.
// With no --model it builds a small byte-level Llama (random weights) and teaches it the text through the adapters
// alone, in well under two minutes on two cores.
using System.Diagnostics;
using Peft;
using Peft.IO;
using Peft.Llama;
using Peft.Models;

var options = SampleOptions.Parse(args);
const string Text =
    "The quick brown fox jumps over the lazy dog. Low-rank adapters train a few matrices beside frozen weights, " +
    "so a large model learns a new task cheaply. The capital of France is Paris; the capital of Italy is Rome. ";

LlamaForCausalLM model;
TextCodec codec;
if (options.Model is { } directory)
{
    model = LlamaForCausalLM.FromPretrained(directory);
    codec = TextCodec.ForFolder(directory);
    Console.WriteLine($"model: {directory} ({model.Config.ModelType}, {model.Config.NumHiddenLayers} layers, hidden {model.Config.HiddenSize}, vocab {model.Config.VocabSize})");
}
else
{
    // A small Llama over UTF-8 bytes: 4 layers, hidden 128, GQA (4 query heads, 2 key/value heads). Initial weights
    // N(0, 0.1²) rather than transformers' 0.02 so that the frozen, tied embedding table leaves the adapters room to
    // make confident predictions (logits are bounded by |h|·|e|).
    model = new LlamaForCausalLM(new LlamaConfig
    {
        HiddenSize = 128, IntermediateSize = 256, NumHiddenLayers = 4, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        VocabSize = 256, MaxPositionEmbeddings = 256, TieWordEmbeddings = true, InitializerRange = 0.1,
    }, seed: 1);
    codec = TextCodec.Bytes;
    Console.WriteLine("model: built-in byte-level Llama (4 layers, hidden 128, random weights)");
}

int[] corpus = [.. Enumerable.Repeat(Text, 4).SelectMany(codec.Encode)];
const string Prompt = "The capital of France";
int sequence = Math.Min(options.Sequence, model.Config.MaxPositionEmbeddings);
if (corpus.Length <= sequence)
{
    throw new InvalidOperationException($"the text has {corpus.Length} tokens; it needs more than the sequence length {sequence}.");
}

Console.WriteLine($"before: {Generate()}");

// PEFT's get_peft_model: LoRA r 16, α 32 on every projection, everything else frozen.
model.Apply(new AdapterConfig
{
    TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    Options = new LoRAOptions { Rank = 16, Alpha = 32 },
});
model.Train();
var optimizer = new AdamW(model, learningRate: options.LearningRate, weightDecay: 0);
var loss = new CausalLMLoss<float>();
var ids = new Tensor<int>(options.Batch, sequence);
var random = new Random(0);
var clock = Stopwatch.StartNew();
for (int step = 1; step <= options.Steps; step++)
{
    // Random windows of the text; labels are the ids themselves (the loss shifts them by one).
    for (int b = 0; b < options.Batch; b++)
    {
        corpus.AsSpan(random.Next(corpus.Length - sequence), sequence).CopyTo(ids.Span.Slice(b * sequence, sequence));
    }

    optimizer.ZeroGradients();
    double value = loss.Forward(model.Forward(ids), ids);
    model.Backward(loss.Backward());
    optimizer.ClipGradientNorm(1.0);
    optimizer.Step();
    if (step == 1 || step % 25 == 0)
    {
        Console.WriteLine($"step {step,4}  loss {value:F4}  ({clock.Elapsed.TotalSeconds:F1} s)");
    }
}

model.Eval();
Console.WriteLine($"after:  {Generate()}");
model.SaveAdapter(options.Output);
Console.WriteLine($"adapter saved to {options.Output} (adapter_config.json + adapter_model.safetensors)");

string Generate()
{
    int[] prompt = codec.Encode(Prompt);
    int[] generated = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 48, StopTokenIds = [] });
    return codec.Decode([.. prompt, .. generated]).ReplaceLineEndings(" ");
}
