using Microsoft.ML.Tokenizers;
using Peft.IO;
using Peft.Models;

namespace Peft.Cli;

/// <summary>
/// <c>peft generate</c>: loads a Llama-family folder (and a PEFT adapter: LoRA-family, prompt tuning or prefix tuning), continues the prompt greedily or by
/// sampling, prints <c>ids: …</c> (prompt then generated ids) and, with a tokenizer, <c>text: …</c>;
/// <c>--logits</c> writes the prompt's logits <c>[1, prompt length, vocab]</c> (adapter applied, eval mode).
/// </summary>
internal static class GenerateCommand
{
    public static void Run(GenerateArguments arguments, TextWriter stdout)
    {
        var model = LlamaForCausalLM.FromPretrained(arguments.Model);
        var (forward, generate) = LoadAdapter(model, arguments.Adapter);
        model.Eval();
        Tokenizer? tokenizer = PretrainedTokenizer.Exists(arguments.Model) ? PretrainedTokenizer.Load(arguments.Model) : null;
        int[] prompt = arguments.Ids ?? Encode(tokenizer, arguments);
        if (arguments.LogitsPath is { } logitsPath)
        {
            // With a prompt-tuning adapter the rows of the virtual tokens come first, as PEFT returns them.
            var logits = forward(Tensor<int>.Wrap(prompt, 1, prompt.Length));
            SafetensorsWriter.WriteFile(logitsPath, [SafetensorsTensor.FromValues<float>("logits", logits.Shape, logits.Span)],
                new Dictionary<string, string> { ["format"] = "pt" });
        }

        int[] generated = generate(prompt, arguments.Generation);
        int[] all = [.. prompt, .. generated];
        stdout.WriteLine($"ids: {string.Join(',', all)}");
        if (tokenizer is not null)
        {
            stdout.WriteLine($"text: {tokenizer.Decode(all)}");
        }
    }

    /// <summary>
    /// The forward pass and the generation of <paramref name="model"/> with the adapter in <paramref name="adapter"/>: a
    /// prompt-tuning or prefix-tuning folder wraps the model, any other PEFT adapter loads into its layers.
    /// </summary>
    private static (Func<Tensor<int>, Tensor<float>> Forward, Func<int[], GenerationOptions, int[]> Generate) LoadAdapter(LlamaForCausalLM model, string? adapter)
    {
        if (adapter is not null && PromptTunedCausalLM<float>.IsPromptTuningAdapter(adapter))
        {
            var tuned = PromptTunedCausalLM<float>.FromPretrained(model, adapter);
            return (ids => tuned.Forward(ids), (prompt, options) => tuned.Generate(prompt, options));
        }

        if (adapter is not null && PrefixTunedCausalLM<float>.IsPrefixTuningAdapter(adapter))
        {
            var tuned = PrefixTunedCausalLM<float>.FromPretrained(model, adapter);
            return (ids => tuned.Forward(ids), (prompt, options) => tuned.Generate(prompt, options));
        }

        if (adapter is not null)
        {
            model.LoadAdapter(adapter);
        }

        return (ids => model.Forward(ids), (prompt, options) => model.Generate(prompt, options));
    }

    private static int[] Encode(Tokenizer? tokenizer, GenerateArguments arguments)
    {
        if (tokenizer is null)
        {
            throw new InvalidOperationException(
                $"{arguments.Model}: --prompt needs a {PretrainedTokenizer.SentencePieceFile} or {PretrainedTokenizer.TokenizerJsonFile} in the model folder; pass --ids instead.");
        }

        return [.. tokenizer.EncodeToIds(arguments.Prompt!)];
    }
}
