using System.Text.Json;
using Peft.IO;
using Peft.Quantization;

namespace Peft.Models.Tests;

/// <summary>
/// PEFT's workflow on the tiny Llama (hidden 64, intermediate 128, 2 layers, vocab 256, untied head):
/// <c>get_peft_model</c> (Apply), <c>print_trainable_parameters</c>, <c>from_pretrained</c> (LoadAdapter),
/// <c>save_pretrained</c> (SaveAdapter) and <c>modules_to_save</c>, with PEFT 0.21's semantics.
/// </summary>
public sealed class PeftWorkflowTests
{
    // PEFT's numbers for this config: base 16,384 (embed) + 2·(4·64·64 + 2·128·64 + 64·128 + 2·64) + 64 + 16,384 (lm_head)
    // = 115,008; LoRA r = 4 on q_proj, v_proj (4·64 + 64·4 each) and down_proj (4·128 + 64·4) = 2·1,792 = 3,584.
    private const long BaseParameters = 115_008;
    private const long LoRAParameters = 3_584;
    private const long LmHeadParameters = 256 * 64;

    private static readonly string[] FixtureTargets = ["q_proj", "v_proj", "down_proj"];

    private static AdapterConfig FixtureConfig(IReadOnlyList<string>? modulesToSave = null) => new()
    {
        TargetModules = FixtureTargets,
        Options = new LoRAOptions { Rank = 4, Alpha = 8, Dropout = 0.05 },
        ModulesToSave = modulesToSave,
    };

    private static string[] TrainablePaths(Module model) =>
        [.. model.NamedParameters().Where(p => p.Value.Trainable).Select(p => p.Key)];

    private static string[] AdapterPaths() =>
        [.. from layer in new[] { 0, 1 }
            from module in new[] { "self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj" }
            from matrix in new[] { "lora_A", "lora_B" }
            select $"model.layers.{layer}.{module}.default.{matrix}"];

    [Fact]
    public void ApplyTrainsTheAdaptersOnlyAndCountsAsPrintTrainableParameters()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.Apply(FixtureConfig());

        Assert.Equal(AdapterPaths().Order(StringComparer.Ordinal), TrainablePaths(model).Order(StringComparer.Ordinal));
        var count = model.CountTrainableParameters();
        Assert.Equal(new TrainableParameterCount(LoRAParameters, BaseParameters + LoRAParameters), count);
        Assert.Equal("trainable params: 3,584 || all params: 118,592 || trainable%: 3.0221", count.ToString());
    }

    [Fact]
    public void LoadAdapterIsFromPretrainedForInferenceUnlessTrainable()
    {
        // PEFT's from_pretrained(is_trainable=False): inference_mode freezes the adapter too, and eval() turns dropout off.
        var inference = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        inference.Train();
        inference.LoadAdapter(Fixtures.TinyLlamaLoRA);
        Assert.Empty(TrainablePaths(inference));
        Assert.All(inference.NamedModules(), m => Assert.False(m.Value.IsTraining, m.Key));
        Assert.Equal("trainable params: 0 || all params: 118,592 || trainable%: 0.0000", inference.CountTrainableParameters().ToString());

        // is_trainable=True: exactly the adapter's tensors train (no embedding, k/o/gate/up projection or norm), mode kept.
        var trainable = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        trainable.Train();
        trainable.LoadAdapter(Fixtures.TinyLlamaLoRA, isTrainable: true);
        Assert.Equal(AdapterPaths().Order(StringComparer.Ordinal), TrainablePaths(trainable).Order(StringComparer.Ordinal));
        Assert.True(trainable.IsTraining);
        Assert.Equal(new TrainableParameterCount(LoRAParameters, BaseParameters + LoRAParameters), trainable.CountTrainableParameters());
    }

    [Fact]
    public void SaveAfterLoadWritesPeftsConfigBack()
    {
        // save_pretrained after from_pretrained writes the config it loaded: target_modules as given, keys sorted.
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.LoadAdapter(Fixtures.TinyLlamaLoRA);
        string folder = Fixtures.TemporaryFolder();
        try
        {
            model.SaveAdapter(folder);
            string expected = File.ReadAllText(Path.Combine(Fixtures.TinyLlamaLoRA, PeftAdapterDirectory.ConfigFileName));
            Assert.Equal(expected.TrimEnd(), File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)).TrimEnd());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SaveAfterApplyWritesTargetModulesAsGivenInPeftsKeyOrder()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.Apply(FixtureConfig());
        string folder = Fixtures.TemporaryFolder();
        try
        {
            model.SaveAdapter(folder);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            Assert.Equal(FixtureTargets, json.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            Assert.True(json.RootElement.GetProperty("inference_mode").GetBoolean());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("modules_to_save").ValueKind);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ModulesToSaveTrainAFullCopySavedUnderPeftsKeys()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        float[] original = (float[])model.LmHead.Weight.Value.Clone();
        model.Apply(FixtureConfig(modulesToSave: ["lm_head"]));

        // PEFT counts both the frozen original_module and the trainable copy.
        Assert.Equal([.. AdapterPaths().Append("lm_head.weight").Order(StringComparer.Ordinal)], TrainablePaths(model).Order(StringComparer.Ordinal));
        Assert.Equal(
            new TrainableParameterCount(LoRAParameters + LmHeadParameters, BaseParameters + LoRAParameters + LmHeadParameters),
            model.CountTrainableParameters());
        Assert.Equal("trainable params: 19,968 || all params: 134,976 || trainable%: 14.7937", model.CountTrainableParameters().ToString());
        var frozen = model.NamedParameters<float>().Single(p => p.Key == "lm_head.original_module.weight").Value;
        Assert.False(frozen.Trainable);
        Assert.Equal(original, frozen.Value);

        // "Training": the copy changes; the original does not.
        var random = new Random(7);
        for (int i = 0; i < model.LmHead.Weight.Value.Length; i++)
        {
            model.LmHead.Weight.Value[i] += (float)(random.NextDouble() - 0.5);
        }

        foreach (var (_, parameter) in model.NamedParameters<float>().Where(p => p.Key.Contains(".default.lora_B", StringComparison.Ordinal)))
        {
            Array.Fill(parameter.Value, 0.01f);
        }

        model.Eval();
        var ids = Tensor<int>.Wrap([1, 5, 9, 33, 200, 17], 1, 6);
        float[] expected = model.Forward(ids).ToArray();
        string folder = Fixtures.TemporaryFolder();
        try
        {
            var config = model.SaveAdapter(folder);
            Assert.Equal(["lm_head"], config.ModulesToSave!);
            using (var written = PeftAdapterDirectory.Open(folder))
            {
                // get_peft_model_state_dict keeps the wrapper's path and the copy's own key: base_model.model.lm_head.weight.
                Assert.Equal(["base_model.model.lm_head.weight"], written.OtherTensors);
                Assert.Equal(model.LmHead.Weight.Value, written.Weights.ReadValues<float>("base_model.model.lm_head.weight"));
            }

            var reloaded = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
            reloaded.LoadAdapter(folder, isTrainable: true);
            Assert.Equal(model.LmHead.Weight.Value, reloaded.LmHead.Weight.Value);
            Assert.Equal(original, reloaded.NamedParameters<float>().Single(p => p.Key == "lm_head.original_module.weight").Value.Value);
            Assert.Equal(model.CountTrainableParameters(), reloaded.CountTrainableParameters());
            reloaded.Eval();
            Assert.Equal(expected, reloaded.Forward(ids).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void QuantizedModuleCannotBeAModuleToSave()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.QuantizeBase();
        var error = Assert.Throws<NotSupportedException>(() => model.Apply(FixtureConfig(modulesToSave: ["gate_proj"])));
        Assert.Contains("Module 'model.layers.0.mlp.gate_proj' holds 'weight' quantized", error.Message);
        Assert.DoesNotContain(model.NamedModules(), m => m.Value is Linear<float> { HasAdapters: true });
    }

    [Fact]
    public void TiedHeadCannotBeAModuleToSave()
    {
        var model = LlamaForCausalLM.FromPretrained(
            TestCheckpoints.Folder(TestCheckpoints.TinyLlamaTensors().Where(t => t.Key != "lm_head.weight").ToDictionary(),
                editConfig: c => c.Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true", StringComparison.Ordinal)));
        var error = Assert.Throws<NotSupportedException>(() => model.Apply(FixtureConfig(modulesToSave: ["lm_head"])));
        Assert.Contains("'lm_head' shares parameter 'weight' [256, 64] with 'model.embed_tokens'", error.Message);
    }
}
