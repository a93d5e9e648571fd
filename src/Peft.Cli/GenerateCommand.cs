using Microsoft.ML.Tokenizers;
using Peft.IO;
using Peft.Models;

namespace Peft.Cli;

/// <summary>
/// <c>peft generate</c>: loads a Llama-family folder (and a PEFT adapter: LoRA-family or prompt tuning), continues the prompt greedily or by
/// sampling, prints <c>ids: …</c> (prompt then generated ids) and, with a tokenizer, <c>text: …</c>;
/// <c>--logits</c> writes the prompt's logits <c>[1, prompt length, vocab]</c> (adapter applied, eval mode).
/// </summary>
internal static class GenerateCommand
{
    public static void Run(GenerateArguments arguments, TextWriter stdout)
    {
        var model = LlamaForCausalLM.FromPretrained(arguments.Model);
        PromptTunedCausalLM<float>? tuned = null;
        if (arguments.Adapter is { } adapter)
        {
            if (PromptTunedCausalLM<float>.IsPromptTuningAdapter(adapter))
            {
                tuned = PromptTunedCausalLM<float>.FromPretrained(model, adapter);
            }
            else
            {
                model.LoadAdapter(adapter);
            }
        }

        model.Eval();
        Tokenizer? tokenizer = PretrainedTokenizer.Exists(arguments.Model) ? PretrainedTokenizer.Load(arguments.Model) : null;
        int[] prompt = arguments.Ids ?? Encode(tokenizer, arguments);
        if (arguments.LogitsPath is { } logitsPath)
        {
            // With a prompt-tuning adapter the rows of the virtual tokens come first, as PEFT returns them.
            var ids = Tensor<int>.Wrap(prompt, 1, prompt.Length);
            var logits = tuned is null ? model.Forward(ids) : tuned.Forward(ids);
            SafetensorsWriter.WriteFile(logitsPath, [SafetensorsTensor.FromValues<float>("logits", logits.Shape, logits.Span)],
                new Dictionary<string, string> { ["format"] = "pt" });
        }

        int[] generated = tuned is null ? model.Generate(prompt, arguments.Generation) : tuned.Generate(prompt, arguments.Generation);
        int[] all = [.. prompt, .. generated];
        stdout.WriteLine($"ids: {string.Join(',', all)}");
        if (tokenizer is not null)
        {
            stdout.WriteLine($"text: {tokenizer.Decode(all)}");
        }
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
