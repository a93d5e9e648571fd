using Peft.Models;

namespace Peft.IO.Tests.Cli;

/// <summary><c>peft inspect</c> and <c>peft merge</c> on a sharded BF16 Llama folder, and on hostile adapters.</summary>
public sealed class PeftCheckpointCommandTests : IDisposable
{
    private readonly string _model = ShardedLlamaFolder.WriteModel();
    private readonly string _scratch = Fixtures.TemporaryFolder();

    public void Dispose()
    {
        Directory.Delete(_model, recursive: true);
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void InspectShowsTheShardsOfAModelFolder()
    {
        var (code, stdout, stderr) = Run("inspect", _model);
        Assert.True(code == 0, stderr);
        Assert.Contains("(2 shards listed by model.safetensors.index.json, 21 tensors)", stdout);
        Assert.Contains("dtypes: BF16 21", stdout);
        Assert.Contains("model-00002-of-00002.safetensors", stdout);
        Assert.Matches(@"model\.layers\.1\.mlp\.down_proj\.weight\s+BF16\s+\[8, 12\]\s+192 bytes", stdout);
    }

    [Fact]
    public void MergedFolderHasTheInputsLayoutAndTheAdaptersNumbers()
    {
        string adapter = ShardedLlamaFolder.WriteAdapter();
        string output = Path.Combine(_scratch, "merged");
        var (code, stdout, stderr) = Run("merge", "--base", _model, "--adapter", adapter, "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("merged 6 module(s)", stdout);

        // Same files (shards, index byte for byte, config), nothing else left beside the output.
        Assert.Equal(Directory.GetFiles(_model).Select(Path.GetFileName).Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_model, SafetensorsCheckpoint.IndexFileName)), File.ReadAllBytes(Path.Combine(output, SafetensorsCheckpoint.IndexFileName)));
        Assert.Equal(File.ReadAllText(Path.Combine(_model, "config.json")), File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Equal(["merged"], Directory.EnumerateFileSystemEntries(_scratch).Select(Path.GetFileName));

        using var peft = PeftAdapterDirectory.Open(adapter);
        using var before = SafetensorsCheckpoint.Open(_model);
        using var after = SafetensorsCheckpoint.Open(output);
        foreach (var (shardBefore, shardAfter) in before.Files.Zip(after.Files))
        {
            Assert.Equal(Path.GetFileName(shardBefore.Source), Path.GetFileName(shardAfter.Source));
            Assert.Equal(shardBefore.Metadata, shardAfter.Metadata);
            Assert.Equal(shardBefore.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)), shardAfter.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)));
            foreach (var tensor in shardBefore.Tensors)
            {
                var module = peft.Modules.SingleOrDefault(m => m.ModulePath + ".weight" == tensor.Name);
                if (module is null)
                {
                    Assert.True(shardBefore.GetBytes(tensor).SequenceEqual(shardAfter.GetBytes(tensor.Name)), tensor.Name);
                    continue;
                }

                // W0 + (α/r)·B·A in double, then one BF16 rounding: within half a BF16 unit of the exact sum.
                double[] w = shardBefore.ReadValues<double>(tensor.Name);
                double[] a = peft.Weights.ReadValues<double>(module.A.Name);
                double[] b = peft.Weights.ReadValues<double>(module.B.Name);
                double[] merged = shardAfter.ReadValues<double>(tensor.Name);
                int outF = (int)tensor.Shape[0], inF = (int)tensor.Shape[1];
                bool changed = false;
                for (int o = 0; o < outF; o++)
                {
                    for (int i = 0; i < inF; i++)
                    {
                        double exact = w[o * inF + i] + 2.0 * (b[o * 2] * a[i] + b[o * 2 + 1] * a[inF + i]);
                        Assert.InRange(Math.Abs(merged[o * inF + i] - exact), 0, 0.5 * Fixtures.Ulp(exact, SafetensorsDType.BF16) * (1 + 1e-9));
                        changed |= merged[o * inF + i] != w[o * inF + i];
                    }
                }

                Assert.True(changed, tensor.Name);
            }
        }

        // The same merge of the same tensors in one file gives the same bytes per tensor.
        string single = ShardedLlamaFolder.WriteSingleFile(_model);
        try
        {
            string singleOut = Path.Combine(_scratch, "merged-single.safetensors");
            PeftMerger.MergeFiles(Path.Combine(single, SafetensorsCheckpoint.SingleFileName), adapter, singleOut);
            using var one = SafetensorsFile.Open(singleOut);
            foreach (var tensor in one.Tensors)
            {
                Assert.True(after.TryGetTensor(tensor.Name, out var file, out _));
                Assert.True(one.GetBytes(tensor).SequenceEqual(file.GetBytes(tensor.Name)), tensor.Name);
            }
        }
        finally
        {
            Directory.Delete(single, recursive: true);
            Directory.Delete(adapter, recursive: true);
        }
    }

    [Fact]
    public void MergedFolderLoadsAndComputesWhatTheAdapterComputes()
    {
        string adapter = ShardedLlamaFolder.WriteAdapter();
        string output = Path.Combine(_scratch, "merged");
        try
        {
            PeftMerger.MergeFiles(_model, adapter, output);
            int[] ids = [1, 5, 9, 3, 14, 7];
            var adapted = LlamaForCausalLM.FromPretrained(_model);
            adapted.LoadAdapter(adapter);
            var merged = LlamaForCausalLM.FromPretrained(output);
            merged.Eval();
            float[] expected = adapted.Forward(Tensor<int>.Wrap(ids, 1, ids.Length)).ToArray();
            float[] actual = merged.Forward(Tensor<int>.Wrap(ids, 1, ids.Length)).ToArray();

            // Only the BF16 rounding of the merged weights separates the two (about 2^-9 relative per weight).
            double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.InRange(worst, 0, 0.02);
        }
        finally
        {
            Directory.Delete(adapter, recursive: true);
        }
    }

    [Fact]
    public void ModuleToSaveReplacesItsBaseTensorOnMerge()
    {
        // merge_and_unload keeps the trained copy of lm_head; the file's F32 copy becomes the base's BF16 tensor.
        float[] head = [.. Enumerable.Range(0, 16 * 8).Select(i => 0.25f * (i % 7) - 0.5f)];
        string adapter = ShardedLlamaFolder.WriteAdapter(lmHead: head);
        string output = Path.Combine(_scratch, "merged");
        try
        {
            var merged = PeftMerger.MergeFiles(_model, adapter, output);
            Assert.Contains("lm_head", merged);
            using var after = SafetensorsCheckpoint.Open(output);
            Assert.True(after.TryGetTensor("lm_head.weight", out var file, out var tensor));
            Assert.Equal(SafetensorsDType.BF16, tensor.DType);
            Assert.Equal(head, file.ReadValues<float>("lm_head.weight")); // multiples of 1/4 are exact in BF16
        }
        finally
        {
            Directory.Delete(adapter, recursive: true);
        }
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+inf")]
    [InlineData(float.NegativeInfinity, "-inf")]
    public void AdapterWithANonFiniteWeightIsRefusedWithoutOutput(float bad, string shown)
    {
        const string Broken = "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight";
        string adapter = ShardedLlamaFolder.WriteAdapter((key, values) =>
        {
            if (key == Broken)
            {
                values[5] = bad;
            }
        });
        AssertRefused(adapter, $"adapter tensor '{Broken}' [8, 2] holds {shown} at element 5");
    }

    [Fact]
    public void MergedValuesBeyondBf16AreRefusedWithoutOutput()
    {
        // Finite adapter values whose product (≈ 1e60) no BF16 can hold: PEFT's safe_merge finds inf in the merged weight.
        string adapter = ShardedLlamaFolder.WriteAdapter((key, values) =>
        {
            if (key.Contains("layers.1.self_attn.v_proj", StringComparison.Ordinal))
            {
                Array.Fill(values, 1e30f);
            }
        });
        AssertRefused(adapter, "merging module 'model.layers.1.self_attn.v_proj' makes element 0 of 'model.layers.1.self_attn.v_proj.weight'");
    }

    [Fact]
    public void TargetModulesMatchingNoModuleAreRefusedAsPeftDoes()
    {
        string adapter = ShardedLlamaFolder.WriteAdapter(targets: """["q_prj", "v_prj"]""");
        AssertRefused(adapter, "Target modules {'q_prj', 'v_prj'} not found in the base model. Please check the target modules and try again");
    }

    [Fact]
    public void AdapterModuleOutsideTargetModulesIsRefused()
    {
        string adapter = ShardedLlamaFolder.WriteAdapter(targets: """["q_proj", "v_proj"]""");
        AssertRefused(adapter, "module 'model.layers.0.mlp.down_proj' ('base_model.model.model.layers.0.mlp.down_proj.lora_A.weight') is not among target modules {'q_proj', 'v_proj'}");
    }

    [Fact]
    public void ExistingOutputFolderIsLeftAlone()
    {
        string adapter = ShardedLlamaFolder.WriteAdapter();
        string output = Path.Combine(_scratch, "taken");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        try
        {
            var (code, _, stderr) = Run("merge", "--base", _model, "--adapter", adapter, "--out", output);
            Assert.Equal(1, code);
            Assert.Contains("the output exists and is not empty", stderr);
            Assert.Equal(["keep.txt"], Directory.GetFiles(output).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(adapter, recursive: true);
        }
    }

    /// <summary>The merge fails with one line naming the problem and leaves nothing beside the intended output; deletes <paramref name="adapter"/>.</summary>
    private void AssertRefused(string adapter, string message)
    {
        try
        {
            string output = Path.Combine(_scratch, "merged");
            var (code, stdout, stderr) = Run("merge", "--base", _model, "--adapter", adapter, "--out", output);
            Assert.Equal(1, code);
            Assert.Empty(stdout);
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.StartsWith("peft: error: ", stderr);
            Assert.Contains(message, stderr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(_scratch));
        }
        finally
        {
            Directory.Delete(adapter, recursive: true);
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => PeftCommandTests.Run(args);
}
