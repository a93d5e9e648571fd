using Peft.Generated;
using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>
/// The generated class-level path (<c>[LoRA(TargetModules = …)] partial class … : LlamaForCausalLM</c>, its generated
/// <c>AttachAdapters</c> with rank-specialized kernels) against the runtime path (<c>Apply(AdapterConfig)</c> with the same
/// targets and options) on the transformers tiny Llama: the same adapted layers and initial values, the same forward, the
/// same gradients and the same parameters after a training step.
/// </summary>
public sealed class ClassLevelTargetsTests
{
    private const int Seed = 3;

    private static readonly AdapterConfig[] TargetedConfigs =
    [
        new() { TargetModules = ["q_proj", "v_proj"], Options = new LoRAOptions { Rank = 4, Alpha = 8, Seed = Seed } },
        new() { TargetModules = ["down_proj"], Options = new MoRAOptions { Rank = 4 } },
        new() { TargetModules = ["self_attn.o_proj"], Options = new DoRAOptions { Rank = 2, Alpha = 4, Seed = Seed } },
    ];

    [Fact]
    public void Generated_attach_adapts_the_layers_apply_adapts_with_generated_kernels()
    {
        var generated = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama, config => new TargetedTinyLlama(config));
        var paths = generated.AttachAdapters(seed: Seed);
        var runtime = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var expected = TargetedConfigs.SelectMany(config => runtime.Apply(config)).ToList();

        Assert.Equal(expected, paths);
        Assert.Equal(
            [.. from layer in new[] { 0, 1 } from module in new[] { "self_attn.q_proj", "self_attn.v_proj" } select $"model.layers.{layer}.{module}",
             "model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj", "model.layers.0.self_attn.o_proj", "model.layers.1.self_attn.o_proj"],
            paths);
        foreach (string path in paths)
        {
            var layer = (Linear<float>)generated.NamedModules().Single(m => m.Key == path).Value;
            object kernel = layer.Adapters.Active switch
            {
                LoRAAdapter<float> lora => lora.Kernel,
                MoRAAdapter<float> mora => mora.Kernel,
                var other => throw new InvalidOperationException($"{path}: unexpected adapter {other}"),
            };
            Assert.False(kernel is RuntimeLoRAKernel<float> or RuntimeMoRAKernel<float>, $"{path} runs the runtime kernel");
        }

        AssertParametersEqual(runtime, generated, tolerance: 0);
        Assert.Equal(runtime.CountTrainableParameters(), generated.CountTrainableParameters());
    }

    [Fact]
    public void Generated_and_runtime_paths_give_the_same_forward_and_training_step()
    {
        var generated = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama, config => new TargetedTinyLlama(config));
        generated.AttachAdapters(seed: Seed);
        var runtime = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        foreach (AdapterConfig config in TargetedConfigs)
        {
            runtime.Apply(config);
        }

        CompareTraining(runtime, new AdamW(runtime, learningRate: 1e-2, weightDecay: 0.01), generated, new AdamW(generated, learningRate: 1e-2, weightDecay: 0.01));
    }

    [Fact]
    public void LoRAPlus_class_level_groups_train_as_the_runtime_groups()
    {
        var generated = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama, config => new LoRAPlusTinyLlama(config));
        generated.AttachAdapters(seed: Seed);
        var runtime = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        runtime.Apply(new AdapterConfig { TargetModules = ["gate_proj", "up_proj"], Options = new LoRAPlusOptions { Rank = 4, Alpha = 8, Ratio = 16, Seed = Seed } });
        AssertParametersEqual(runtime, generated, tolerance: 0);

        var runtimeOptimizer = new AdamW(LoRAPlusParameterGroups.Create(runtime, 1e-2, 16, 0.0));
        CompareTraining(runtime, runtimeOptimizer, generated, generated.CreateOptimizer(learningRate: 1e-2));
    }

    [Fact]
    public void A_class_level_adapter_saves_its_target_modules_as_written()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama, config => new LoRAPlusTinyLlama(config));
        model.AttachAdapters();
        string folder = Fixtures.TemporaryFolder();
        try
        {
            model.SaveAdapter(folder);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            Assert.Equal(["gate_proj", "up_proj"], json.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(4, json.RootElement.GetProperty("r").GetInt32());

            var loaded = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
            loaded.LoadAdapter(folder, isTrainable: true);
            AssertParametersEqual(model, loaded, tolerance: 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Apply_with_kernels_names_wrong_options_and_wrong_element_types()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var options = Assert.Throws<ArgumentException>(() => model.Apply<float>(
            new AdapterConfig { TargetModules = ["q_proj"], Options = new MoRAOptions() }, static ILoRAKernel<float>? (_) => null));
        Assert.StartsWith("LoRA kernels need LoRA, LoRA+ or DoRA options, not MoRAOptions.", options.Message, StringComparison.Ordinal);

        var wide = new LlamaForCausalLM<double>(LlamaConfig.Load(Path.Combine(Fixtures.TinyLlama, "config.json")));
        var elementType = Assert.Throws<ArgumentException>(() => wide.Apply<float>(
            new AdapterConfig { TargetModules = ["q_proj"], Options = new LoRAOptions { Rank = 4 } }, static ILoRAKernel<float>? (_) => null));
        Assert.StartsWith("Layer 'model.layers.0.self_attn.q_proj': the layer is a Linear`1, but the kernels are for Linear<Single>.", elementType.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two training steps on both models: the loss, every trainable gradient and every parameter after each step, then
    /// the logits, agree to float rounding (the generated kernels sum in their own order, the runtime's generic ones in
    /// theirs: the forward pass came out bit for bit equal here, gradients within an ulp or two).
    /// </summary>
    private static void CompareTraining(LlamaForCausalLM runtime, Optimizer runtimeOptimizer, LlamaForCausalLM generated, Optimizer generatedOptimizer)
    {
        runtime.Train();
        generated.Train();
        var tokens = new Tensor<int>(2, 12);
        var random = new Random(11);
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens.Span[i] = random.Next(256);
        }

        var runtimeLoss = new CausalLMLoss<float>();
        var generatedLoss = new CausalLMLoss<float>();
        for (int step = 0; step < 2; step++)
        {
            double expected = runtimeLoss.Forward(runtime.Forward(tokens), tokens);
            double actual = generatedLoss.Forward(generated.Forward(tokens), tokens);
            Assert.Equal(expected, actual, 1e-5);

            runtimeOptimizer.ZeroGradients();
            runtime.Backward(runtimeLoss.Backward());
            generatedOptimizer.ZeroGradients();
            generated.Backward(generatedLoss.Backward());
            AssertGradientsEqual(runtime, generated, tolerance: 1e-5, nonZero: step == 1);

            runtimeOptimizer.Step();
            generatedOptimizer.Step();
            AssertParametersEqual(runtime, generated, tolerance: 1e-5);
        }

        runtime.Eval();
        generated.Eval();
        float[] expectedLogits = runtime.Forward(tokens).ToArray();
        float[] actualLogits = generated.Forward(tokens).ToArray();
        AssertClose(expectedLogits, actualLogits, 1e-5, "logits after two steps");
    }

    private static void AssertParametersEqual(Module expected, Module actual, double tolerance)
    {
        var left = expected.NamedParameters<float>().ToList();
        var right = actual.NamedParameters<float>().ToList();
        Assert.Equal(left.Select(p => (p.Key, p.Value.Trainable)), right.Select(p => (p.Key, p.Value.Trainable)));
        for (int i = 0; i < left.Count; i++)
        {
            AssertClose(left[i].Value.Value.ToArray(), right[i].Value.Value.ToArray(), tolerance, left[i].Key);
        }
    }

    private static void AssertGradientsEqual(Module expected, Module actual, double tolerance, bool nonZero)
    {
        var left = expected.NamedParameters<float>().Where(p => p.Value.Trainable).ToList();
        var right = actual.NamedParameters<float>().Where(p => p.Value.Trainable).ToList();
        Assert.NotEmpty(left);
        for (int i = 0; i < left.Count; i++)
        {
            Assert.Equal(left[i].Key, right[i].Key);
            if (nonZero)
            {
                // After the first step B ≠ 0, so every adapter parameter (A included) has a gradient: the check is not vacuous.
                Assert.Contains(left[i].Value.Gradient.ToArray(), g => g != 0);
            }

            AssertClose(left[i].Value.Gradient.ToArray(), right[i].Value.Gradient.ToArray(), tolerance, left[i].Key + " gradient");
        }
    }

    /// <summary>|a − b| ≤ tolerance·max |a| over the tensor, element by element (tolerance 0: bit for bit).</summary>
    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(difference <= tolerance * scale, $"{what}[{i}]: runtime {expected[i]}, generated {actual[i]} (|Δ| {difference})");
        }
    }
}
