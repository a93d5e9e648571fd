using Peft.IO;
using Peft.Tests.Testing;
using Peft.Training;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// AdaLoRA's allocation and regularizer against numbers it did not compute itself: <c>Fixtures/adalora_reference.safetensors</c>
/// comes from our plain-PyTorch restatement of PEFT's <c>SVDLinear</c>, <c>RankAllocator</c> and <c>update_and_allocate</c>
/// (<c>Fixtures/make_adalora_fixture.py</c>; PEFT itself could not be installed): ten SGD steps through warm-up, budgeting,
/// the forced final mask and final fine-tuning, checked for the regularizer, the budget, E after every allocation, the
/// triplet scores and the final rank pattern. Also: the regularizer's gradient by central differences, the budget
/// schedule by hand, allocation-free steps with the allocator, the Trainer's hook and saving the rank pattern as PEFT.
/// </summary>
public sealed class AdaLoRAReferenceTests
{
    private const int In = 6, Rank = 4, Batch = 3, Steps = 10;
    private const double LearningRate = 0.02;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Conformance", "Fixtures");
    private static readonly AdaLoRAOptions ReferenceOptions = new()
    {
        Rank = Rank, TargetRank = 2, Tinit = 1, Tfinal = 2, TotalSteps = 8, DeltaT = 1, Alpha = 8,
    };

    [Fact]
    public void Ten_SGD_steps_match_the_torch_restatement_of_PEFTs_allocator()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "adalora_reference.safetensors"));
        double[] Read(string name) => reference.ReadValues<double>(name);

        var model = new TwoLayers(ReferenceOptions);
        var layers = new[] { ("first", model.First), ("second", model.Second) };
        foreach (var (name, layer) in layers)
        {
            Read($"initial.{name}.weight").CopyTo(layer.Weight.Value, 0);
            Read($"initial.{name}.bias").CopyTo(layer.Bias!.Value, 0);
            var adapter = Adapter(layer);
            Read($"initial.{name}.lora_A").CopyTo(adapter.A.Value, 0);
            Read($"initial.{name}.lora_B").CopyTo(adapter.B.Value, 0);
            Read($"initial.{name}.lora_E").CopyTo(adapter.E.Value, 0);
        }

        var allocator = AdaLoRARankAllocator.For(model);
        Assert.Equal(8, allocator.InitialBudget);
        Assert.Equal(4, allocator.TargetBudget);
        var x = Read("x");
        for (int step = 0; step < Steps; step++)
        {
            var input = x.AsSpan(step * Batch * In, Batch * In).ToArray();
            foreach (var (name, layer) in layers)
            {
                layer.ZeroGradients();
                Forward(layer, input, Batch);
                var w = Read($"w.{name}").AsSpan(step * Batch * layer.OutFeatures, Batch * layer.OutFeatures).ToArray();
                layer.Backward(input, w, Span<double>.Empty, Batch);
            }

            double regularizer = allocator.AddOrthogonalRegularization();
            AssertClose(Read($"step{step}.regularizer"), [regularizer], 1e-12);
            foreach (var (_, layer) in layers)
            {
                foreach (var parameter in Adapter(layer).AdapterParameters)
                {
                    for (int i = 0; i < parameter.Length; i++)
                    {
                        parameter.Value[i] -= LearningRate * parameter.Gradient[i];
                    }
                }
            }

            allocator.UpdateAndAllocate(step);
            Assert.Equal((int)Read($"step{step}.budget")[0], allocator.Budget);
            foreach (var (name, layer) in layers)
            {
                AssertClose(Read($"step{step}.{name}.lora_E"), Adapter(layer).E.Value, 1e-12);
            }
        }

        foreach (var (name, layer) in layers)
        {
            var adapter = Adapter(layer);
            Assert.Equal(Read($"final.{name}.kept").Select(k => k != 0), adapter.RankPattern.ToArray());
            AssertClose(Read($"final.{name}.lora_A"), adapter.A.Value, 1e-12);
            AssertClose(Read($"final.{name}.lora_B"), adapter.B.Value, 1e-12);
            AssertClose(Read($"final.{name}.lora_E"), adapter.E.Value, 1e-12);
        }

        Assert.Equal(4, layers.Sum(l => Adapter(l.Item2).CurrentRank));
    }

    [Fact]
    public void A_PEFT_AdaLoRA_folder_with_a_rank_pattern_loads_and_merges_as_the_torch_reference()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "adalora_reference.safetensors"));
        double[] Read(string name) => reference.ReadValues<double>(name);
        string folder = Path.Combine(Fixtures, "adalora");

        // A plain model (no adapters yet): loading attaches AdaLoRA at init_r with the kept triplets in place.
        var model = new TwoPlainLayers();
        var layers = new[] { ("first", model.First), ("second", model.Second) };
        foreach (var (name, layer) in layers)
        {
            Read($"initial.{name}.weight").CopyTo(layer.Weight.Value, 0);
            Read($"initial.{name}.bias").CopyTo(layer.Bias!.Value, 0);
        }

        var config = model.LoadAdapter(folder);
        Assert.Equal("ADALORA", config.PeftType);
        foreach (var (name, layer) in layers)
        {
            var adapter = Adapter(layer);
            Assert.Equal(Rank, adapter.Rank);
            Assert.Equal(Read($"final.{name}.kept").Select(k => k != 0), adapter.RankPattern.ToArray());
            Assert.Equal(8 / (4 + 1e-5), adapter.Options.Scale, 1e-15);
            AssertClose(Read($"probe.{name}.y"), Forward(layer, Read("probe.x"), Batch), 1e-12);
        }

        // peft merge's path: PeftMerger folds ΔW = B'·(A' ⊙ E')·α/(init_r + 1e-5) into the base file.
        var baseBytes = SafetensorsWriter.Serialize(layers.SelectMany(l => new[]
        {
            SafetensorsTensor.FromValues<double>($"{l.Item1}.weight", [l.Item2.OutFeatures, In], Read($"initial.{l.Item1}.weight"), SafetensorsDType.F64),
            SafetensorsTensor.FromValues<double>($"{l.Item1}.bias", [l.Item2.OutFeatures], Read($"initial.{l.Item1}.bias"), SafetensorsDType.F64),
        }));
        using var baseFile = SafetensorsFile.Read(baseBytes);
        using var directory = PeftAdapterDirectory.Open(folder);
        Assert.StartsWith("method: AdaLoRA, init_r 4 -> target_r 2", directory.DescribeMethod());
        Assert.Equal("  module first: r 2 of 4, in 6, out 5", directory.DescribeModule(directory.Modules[0]));
        var (tensors, merged) = PeftMerger.Merge(baseFile, directory);
        Assert.Equal(["first", "second"], merged);
        using var result = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        foreach (var (name, _) in layers)
        {
            AssertClose(Read($"merged.{name}.weight"), result.ReadValues<double>($"{name}.weight"), 1e-12);
        }

        // The layer's own merge gives the same weight.
        layers[0].Item2.Adapters.Merge();
        AssertClose(Read("merged.first.weight"), layers[0].Item2.Weight.Value, 1e-12);
    }

    /// <summary>Hostile AdaLoRA folders (the torch fixture, altered): each error names the file, the module or field and what was expected.</summary>
    [Theory]
    [InlineData("no-E", "has base_model.model.first.lora_A, base_model.model.first.lora_B but no base_model.model.first.lora_E")]
    [InlineData("E-shape", "expected [r, in], [r, 1] and [out, r] of one rank r")]
    [InlineData("pattern-length", "rank_pattern['first.lora_E'] lists 3 triplets, but init_r = 4")]
    [InlineData("pattern-count", "has rank 2 (lora_A [2, 6]) but its rank_pattern keeps 3 of 4 triplets")]
    [InlineData("pattern-mixed", "the values must all be integer ranks (LoRA) or all lists of booleans (AdaLoRA)")]
    [InlineData("no-total-step", "AdaLoRA config has no 'total_step'")]
    [InlineData("init-r-text", "AdaLoRA config field 'init_r' is \"4\", expected an integer")]
    public void Broken_AdaLoRA_folders_are_rejected_with_clear_errors(string damage, string message)
    {
        string source = Path.Combine(Fixtures, "adalora");
        string folder = Path.Combine(Path.GetTempPath(), "adalora-broken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string json = File.ReadAllText(Path.Combine(source, PeftAdapterDirectory.ConfigFileName));
            using (var weights = SafetensorsFile.Open(Path.Combine(source, PeftAdapterDirectory.WeightsFileName)))
            {
                var tensors = new List<SafetensorsTensor>();
                foreach (var tensor in weights.Tensors)
                {
                    if (damage == "no-E" && tensor.Name == "base_model.model.first.lora_E")
                    {
                        continue;
                    }

                    var values = weights.ReadValues<double>(tensor.Name);
                    long[] shape = damage == "E-shape" && tensor.Name == "base_model.model.first.lora_E" ? [1, 2] : tensor.Shape.ToArray();
                    tensors.Add(SafetensorsTensor.FromValues<double>(tensor.Name, shape, values, SafetensorsDType.F64));
                }

                SafetensorsWriter.WriteFile(Path.Combine(folder, PeftAdapterDirectory.WeightsFileName), tensors);
            }

            json = damage switch
            {
                "pattern-length" => json.Replace("\"first.lora_E\": [\n      false,", "\"first.lora_E\": [", StringComparison.Ordinal),
                "pattern-count" => json.Replace("\"first.lora_E\": [\n      false,", "\"first.lora_E\": [\n      true,", StringComparison.Ordinal),
                "pattern-mixed" => json.Replace("\"rank_pattern\": {", "\"rank_pattern\": {\n    \"third.lora_E\": 2,", StringComparison.Ordinal),
                "no-total-step" => json.Replace("\"total_step\": 8,", "", StringComparison.Ordinal),
                "init-r-text" => json.Replace("\"init_r\": 4,", "\"init_r\": \"4\",", StringComparison.Ordinal),
                _ => json,
            };
            File.WriteAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName), json);
            var error = Assert.Throws<InvalidDataException>(() => new TwoPlainLayers().LoadAdapter(folder));
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_orthogonal_regularizer_gradient_matches_central_differences()
    {
        var model = new TwoLayers(ReferenceOptions with { OrthRegWeight = 0.7 });
        var adapters = new[] { Adapter(model.First), Adapter(model.Second) };
        for (int i = 0; i < adapters.Length; i++)
        {
            Random(adapters[i].A.Length, 10 + i, 0.4).CopyTo(adapters[i].A.Value, 0);
            Random(adapters[i].B.Length, 20 + i, 0.4).CopyTo(adapters[i].B.Value, 0);
        }

        var allocator = AdaLoRARankAllocator.For(model);
        model.ZeroGradients();
        allocator.AddOrthogonalRegularization();
        double Regularizer()
        {
            // The value alone: the gradients it adds on the way are discarded.
            double value = allocator.AddOrthogonalRegularization();
            model.ZeroGradients();
            return value;
        }

        var analytic = adapters.Select(a => (A: a.A.Gradient.ToArray(), B: a.B.Gradient.ToArray())).ToArray();
        for (int i = 0; i < adapters.Length; i++)
        {
            FiniteDifference.CheckInPlace(adapters[i].A.Value, Regularizer, analytic[i].A, $"orthogonal regularizer dA{i}");
            FiniteDifference.CheckInPlace(adapters[i].B.Value, Regularizer, analytic[i].B, $"orthogonal regularizer dB{i}");
        }

        // Its value: w/(2n)·Σ (‖AAᵀ − I‖_F + ‖BᵀB − I‖_F), here against a plain evaluation.
        double expected = 0;
        foreach (var adapter in adapters)
        {
            expected += DeviationFromIdentity(adapter.A.Value, In, ofRows: true);
            expected += DeviationFromIdentity(adapter.B.Value, Rank, ofRows: false);
        }

        Assert.Equal(0.7 / 4 * expected, Regularizer(), 1e-12);
    }

    [Fact]
    public void The_budget_schedule_is_PEFTs_cubic_one()
    {
        // b⁰ = 2·4 = 8, b^T = 2·2 = 4, tinit 2, tfinal 3, T 10, ΔT 2: b = ⌊4·(1 − (t − 2)/5)³ + 4⌋ in between.
        var allocator = AdaLoRARankAllocator.For(new TwoLayers(ReferenceOptions with { Tinit = 2, Tfinal = 3, TotalSteps = 10, DeltaT = 2 }));
        (int, bool)[] expected = [(8, false), (8, false), (8, false), (6, false), (4, true), (4, false), (4, true), (4, false), (4, true), (4, true)];
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(allocator.BudgetSchedule));
    }

    [Fact]
    public void Steps_with_the_allocator_allocate_nothing_after_warm_up()
    {
        var layer = new Linear<float>(In, 5, random: new Random(1));
        layer.AttachAdaLoRA("default", ReferenceOptions with { TotalSteps = 1_000_000 });
        var optimizer = new AdamW([new ParameterGroup("adalora", layer.NamedParameters().Select(p => p.Value).Where(p => p.Trainable), 1e-3, 0)]);
        var allocator = AdaLoRARankAllocator.For(layer);
        var x = new float[Batch * In];
        var y = new float[Batch * 5];
        var dy = new float[Batch * 5];
        x.AsSpan().Fill(0.5f);
        dy.AsSpan().Fill(0.25f);
        int step = 0;

        void Step()
        {
            optimizer.ZeroGradients();
            layer.Forward(x, y, Batch);
            layer.Backward(x, dy, Span<float>.Empty, Batch);
            allocator.AddOrthogonalRegularization();
            optimizer.Step();
            allocator.UpdateAndAllocate(step++ % 4 + 2); // budgeting steps: scores, threshold and masks every step
        }

        Assert.Equal(0, ThreadAllocations.CleanestWindow(Step, calls: 5));
    }

    [Fact]
    public void The_trainer_runs_the_allocator_and_adds_the_regularizer_to_the_loss()
    {
        var layer = new Linear<float>(In, 5, random: new Random(1));
        var adapter = layer.AttachAdaLoRA("default", ReferenceOptions with { TotalSteps = 6, Tinit = 0, Tfinal = 2, TargetRank = 2 });
        var data = new ArrayDataset([.. Enumerable.Range(0, 8 * In).Select(i => (float)Math.Sin(i))], In, [.. Enumerable.Range(0, 8).Select(i => i % 5)]);
        var trainer = Trainer.ForLayer(layer, data, new TrainerOptions { BatchSize = 4, MaxSteps = 8, LearningRate = 1e-2 });
        var hook = Assert.IsType<AdaLoRARankAllocator>(Assert.Single(trainer.StepHooks));

        // The first step's loss includes w·mean(‖AAᵀ − I‖_F, ‖BᵀB − I‖_F) of the weights before the step.
        var probe = new Linear<float>(In, 5, random: new Random(1));
        var copy = probe.AttachAdaLoRA("default", adapter.Options);
        adapter.A.Value.CopyTo(copy.A.Value, 0);
        adapter.B.Value.CopyTo(copy.B.Value, 0);
        double regularizer = AdaLoRARankAllocator.For(probe).AddOrthogonalRegularization();
        Assert.True(regularizer > 0);
        var metrics = trainer.TrainStep();
        Assert.True(double.IsFinite(metrics.Loss) && metrics.Loss > regularizer);

        trainer.Fit();
        Assert.Equal(hook.TargetBudget, hook.Budget);
        Assert.Equal(2, adapter.CurrentRank);
        Assert.Equal(2, adapter.E.Value.Count(e => e != 0));
    }

    [Fact]
    public void Saving_writes_PEFTs_rank_pattern_and_the_kept_triplets_only()
    {
        var model = new TwoLayers(ReferenceOptions);
        var allocator = AdaLoRARankAllocator.For(model);
        foreach (var adapter in new[] { Adapter(model.First), Adapter(model.Second) })
        {
            Random(adapter.E.Length, 3, 1).CopyTo(adapter.E.Value, 0);
            Random(adapter.A.Length, 4, 1).CopyTo(adapter.A.Gradient, 0);
            Random(adapter.B.Length, 5, 1).CopyTo(adapter.B.Gradient, 0);
            Random(adapter.E.Length, 6, 1).CopyTo(adapter.E.Gradient, 0);
        }

        allocator.UpdateAndAllocate(2); // importance from the gradients above, a first mask
        allocator.UpdateAndAllocate(ReferenceOptions.TotalSteps - ReferenceOptions.Tfinal); // the final pattern: 4 of 8 triplets
        string folder = Path.Combine(Path.GetTempPath(), "adalora-save-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = model.SaveAdapter(folder, dtype: SafetensorsDType.F64);
            Assert.Equal("ADALORA", config.PeftType);
            string json = File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName));
            Assert.Contains("\"peft_type\": \"ADALORA\"", json);
            Assert.Contains("\"init_r\": 4", json);
            Assert.Contains("\"target_r\": 2", json);
            Assert.Contains("\"total_step\": 8", json);
            Assert.Contains("\"deltaT\": 1", json);
            Assert.Contains("\"orth_reg_weight\": 0.5", json);
            var pattern = PeftAdapterConfig.Parse(json).AdaLoRARankPattern!;
            Assert.Equal(["first.lora_E", "second.lora_E"], pattern.Keys.Order());
            using var weights = SafetensorsFile.Open(Path.Combine(folder, PeftAdapterDirectory.WeightsFileName));
            foreach (var (name, layer) in new[] { ("first", model.First), ("second", model.Second) })
            {
                var adapter = Adapter(layer);
                bool[] kept = pattern[name + ".lora_E"];
                Assert.Equal(adapter.RankPattern.ToArray(), kept);
                Assert.Equal(adapter.CurrentRank, kept.Count(k => k));
                int r = kept.Count(k => k);
                Assert.True(weights.TryGetTensor($"base_model.model.{name}.lora_A", out var a));
                Assert.True(weights.TryGetTensor($"base_model.model.{name}.lora_B", out var b));
                Assert.True(weights.TryGetTensor($"base_model.model.{name}.lora_E", out var e));
                Assert.Equal([r, In], a.Shape.ToArray().Select(d => (int)d));
                Assert.Equal([layer.OutFeatures, r], b.Shape.ToArray().Select(d => (int)d));
                Assert.Equal([r, 1], e.Shape.ToArray().Select(d => (int)d));
                var keptRows = Enumerable.Range(0, Rank).Where(k => kept[k]).ToArray();
                Assert.Equal(keptRows.Select(k => adapter.E.Value[k]), weights.ReadValues<double>(e.Name));
                Assert.Equal(keptRows.SelectMany(k => adapter.A.Value.Skip(k * In).Take(In)), weights.ReadValues<double>(a.Name));
                var bValues = weights.ReadValues<double>(b.Name);
                for (int o = 0; o < layer.OutFeatures; o++)
                {
                    Assert.Equal(keptRows.Select(k => adapter.B.Value[o * Rank + k]), bValues.Skip(o * r).Take(r));
                }
            }

            // Loading puts the kept triplets back in place: the same outputs, the same pattern, the same files again.
            var loaded = new TwoLayers(ReferenceOptions with { Seed = 5 });
            loaded.LoadAdapter(folder);
            var x = Random(Batch * In, 11);
            model.Eval();
            AssertClose(Forward(model.First, x, Batch), Forward(loaded.First, x, Batch), 1e-15);
            AssertClose(Forward(model.Second, x, Batch), Forward(loaded.Second, x, Batch), 1e-15);
            Assert.Equal(Adapter(model.Second).RankPattern.ToArray(), Adapter(loaded.Second).RankPattern.ToArray());
            string again = folder + "-again";
            loaded.SaveAdapter(again, dtype: SafetensorsDType.F64);
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, PeftAdapterDirectory.WeightsFileName)), File.ReadAllBytes(Path.Combine(again, PeftAdapterDirectory.WeightsFileName)));
            Assert.Equal(json, File.ReadAllText(Path.Combine(again, PeftAdapterDirectory.ConfigFileName)));
            Directory.Delete(again, recursive: true);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public void A_module_whose_every_triplet_was_dropped_saves_empty_tensors_and_loads_back()
    {
        var options = ReferenceOptions with { TargetRank = 0 };
        var model = new TwoLayers(options);
        foreach (var adapter in new[] { Adapter(model.First), Adapter(model.Second) })
        {
            Random(adapter.E.Length, 3, 1).CopyTo(adapter.E.Value, 0);
        }

        AdaLoRARankAllocator.For(model).UpdateAndAllocate(options.TotalSteps - options.Tfinal);
        Assert.Equal(0, Adapter(model.First).CurrentRank);
        string folder = Path.Combine(Path.GetTempPath(), "adalora-empty-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder);
            using (var weights = SafetensorsFile.Open(Path.Combine(folder, PeftAdapterDirectory.WeightsFileName)))
            {
                Assert.True(weights.TryGetTensor("base_model.model.first.lora_A", out var a));
                Assert.Equal([0L, In], a.Shape.ToArray());
            }

            var loaded = new TwoLayers(options);
            loaded.LoadAdapter(folder);
            var x = Random(Batch * In, 12);
            model.Eval();
            AssertClose(Forward(model.First, x, Batch), Forward(loaded.First, x, Batch), 1e-15);
            Assert.All(Adapter(loaded.First).E.Value, e => Assert.Equal(0.0, e));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(4, 4, 0, 0, 10, "TargetRank")]
    [InlineData(4, 2, 5, 5, 10, "TotalSteps")]
    [InlineData(4, 2, 0, 0, 0, "TotalSteps")]
    public void Invalid_schedules_are_rejected_naming_the_rule(int rank, int target, int tinit, int tfinal, int total, string argument)
    {
        var layer = new Linear<double>(In, 5);
        var error = Assert.Throws<ArgumentException>(() => layer.AttachAdaLoRA("default",
            new AdaLoRAOptions { Rank = rank, TargetRank = target, Tinit = tinit, Tfinal = tfinal, TotalSteps = total }));
        Assert.Equal(argument, error.ParamName);
        Assert.Contains("Linear [5, 6]", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Betas_outside_the_open_unit_interval_are_rejected(double beta)
    {
        var layer = new Linear<double>(In, 5);
        var error = Assert.Throws<ArgumentException>(() => layer.AttachAdaLoRA("default", ReferenceOptions with { Beta2 = beta }));
        Assert.Contains("Beta2 must be in (0, 1)", error.Message);
    }

    private static AdaLoRAAdapter<double> Adapter(Linear<double> layer) => (AdaLoRAAdapter<double>)layer.Adapters.Active!;

    /// <summary>‖AAᵀ − I‖_F of A <c>[r, columns]</c> (<paramref name="ofRows"/>) or ‖BᵀB − I‖_F of B <c>[out, columns = r]</c>, from the definition.</summary>
    private static double DeviationFromIdentity(double[] p, int columns, bool ofRows)
    {
        int r = ofRows ? p.Length / columns : columns;
        int length = ofRows ? columns : p.Length / columns;
        double sum = 0;
        for (int k = 0; k < r; k++)
        {
            for (int l = 0; l < r; l++)
            {
                // (AAᵀ)[k, l] = Σ_i A[k, i]·A[l, i];  (BᵀB)[k, l] = Σ_o B[o, k]·B[o, l].
                double dot = 0;
                for (int i = 0; i < length; i++)
                {
                    dot += ofRows ? p[k * columns + i] * p[l * columns + i] : p[i * columns + k] * p[i * columns + l];
                }

                double deviation = dot - (k == l ? 1 : 0);
                sum += deviation * deviation;
            }
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Two layers without adapters at <c>first</c> (6 → 5) and <c>second</c> (6 → 4).</summary>
    private sealed class TwoPlainLayers : Module
    {
        public TwoPlainLayers()
        {
            First = RegisterModule("first", new Linear<double>(In, 5));
            Second = RegisterModule("second", new Linear<double>(In, 4));
        }

        public Linear<double> First { get; }

        public Linear<double> Second { get; }
    }

    /// <summary>Two AdaLoRA layers of one adapter, 6 → 5 at <c>first</c> and 6 → 4 at <c>second</c>.</summary>
    private sealed class TwoLayers : Module
    {
        public TwoLayers(AdaLoRAOptions options)
        {
            First = RegisterModule("first", new Linear<double>(In, 5, random: new Random(1)));
            Second = RegisterModule("second", new Linear<double>(In, 4, random: new Random(2)));
            First.AttachAdaLoRA("default", options);
            Second.AttachAdaLoRA("default", options with { Seed = 1 });
        }

        public Linear<double> First { get; }

        public Linear<double> Second { get; }
    }
}
