using Peft.IO;
using Peft.Tests.Testing;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// DoRA against numbers it did not compute itself: <c>Fixtures/dora_reference.safetensors</c> and the adapter folder
/// <c>Fixtures/dora</c> come from our plain-PyTorch restatement of PEFT 0.21's DoRA (<c>Fixtures/make_dora_fixture.py</c>;
/// PEFT itself could not be installed), checked here for the output, every gradient (the row norm detached) and the
/// merged weight; the dropout path against the formula with the adapter's own mask; the saved file's PEFT keys.
/// </summary>
public sealed class DoRAReferenceTests
{
    private const int In = 6, Out = 5, Batch = 3;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Conformance", "Fixtures");

    [Fact]
    public void A_PEFT_DoRA_folder_loads_and_matches_the_torch_reference()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "dora_reference.safetensors"));
        double[] Read(string name) => reference.ReadValues<double>(name);

        var model = new Holder();
        Read("w0").CopyTo(model.Projection.Weight.Value, 0);
        Read("bias").CopyTo(model.Projection.Bias!.Value, 0);
        var config = model.LoadAdapter(Path.Combine(Fixtures, "dora"), isTrainable: true);
        Assert.True(config.UseDora);
        var dora = Assert.IsType<DoRAAdapter<double>>(model.Projection.Adapters.Active);
        model.Projection.IsFrozen = false;

        var x = Read("x");
        var y = Forward(model.Projection, x, Batch);
        AssertClose(Read("y"), y, 1e-12);

        var dx = new double[Batch * In];
        model.Projection.Backward(x, Read("dy"), dx, Batch);
        AssertClose(Read("dx"), dx, 1e-12);
        AssertClose(Read("dw0"), model.Projection.Weight.Gradient, 1e-12);
        AssertClose(Read("dbias"), model.Projection.Bias.Gradient, 1e-12);
        AssertClose(Read("da"), dora.A.Gradient, 1e-12);
        AssertClose(Read("db"), dora.B.Gradient, 1e-12);
        AssertClose(Read("dmagnitude"), dora.Magnitude.Gradient, 1e-12);

        model.Projection.Adapters.Merge();
        AssertClose(Read("merged"), model.Projection.Weight.Value, 1e-12);
        model.Projection.Adapters.Unmerge();
        AssertClose(Read("w0"), model.Projection.Weight.Value, 1e-13);
    }

    /// <summary><c>peft merge</c>'s path (<c>PeftMerger</c>, <c>DoRAPeftFormat.AddDelta</c>): the base file's weight becomes the torch reference's merged weight.</summary>
    [Fact]
    public void Merging_the_folder_into_a_base_file_gives_the_torch_merged_weight()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "dora_reference.safetensors"));
        var baseBytes = SafetensorsWriter.Serialize(
        [
            SafetensorsTensor.FromValues<double>("proj.weight", [Out, In], reference.ReadValues<double>("w0"), SafetensorsDType.F64),
            SafetensorsTensor.FromValues<double>("proj.bias", [Out], reference.ReadValues<double>("bias"), SafetensorsDType.F64),
        ]);
        using var baseFile = SafetensorsFile.Read(baseBytes);
        using var adapter = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "dora"));
        var (tensors, merged) = PeftMerger.Merge(baseFile, adapter);
        Assert.Equal(["proj"], merged);
        using var result = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        AssertClose(reference.ReadValues<double>("merged"), result.ReadValues<double>("proj.weight"), 1e-12);
        AssertClose(reference.ReadValues<double>("bias"), result.ReadValues<double>("proj.bias"), 0);
    }

    [Fact]
    public void A_new_adapter_leaves_the_layer_unchanged_and_its_magnitude_is_the_row_norm()
    {
        var layer = new Linear<double>(In, Out, random: new Random(3));
        var x = Random(Batch * In, 4);
        var before = Forward(layer, x, Batch);
        var dora = layer.AttachDoRA("default", new DoRAOptions { Rank = 2, Alpha = 5 });
        AssertClose(before, Forward(layer, x, Batch), 1e-14);
        for (int o = 0; o < Out; o++)
        {
            double norm = Math.Sqrt(layer.Weight.Value.AsSpan(o * In, In).ToArray().Sum(w => w * w));
            Assert.Equal(norm, dora.Magnitude.Value[o], 1e-14);
        }
    }

    /// <summary>
    /// With dropout in training mode (PEFT: <c>base_result = F.linear(dropout(x), W0)</c>):
    /// <c>y = b + W0·x + (f − 1) ⊙ (W0·x̃) + f ⊙ s·B·A·x̃</c>, and the gradients of that expression with the norm held.
    /// </summary>
    [Fact]
    public void Dropout_rescales_the_dropped_base_term_and_back_propagates_through_the_mask()
    {
        var layer = new Linear<double>(In, Out, random: new Random(5));
        var dora = layer.AttachDoRA("default", new DoRAOptions { Rank = 2, Alpha = 3, Dropout = 0.4, Seed = 11, FreezeBase = false });
        Random(dora.B.Length, 6, 0.5).CopyTo(dora.B.Value, 0);
        Random(dora.Magnitude.Length, 7, 2).CopyTo(dora.Magnitude.Value, 0);
        var x = Random(Batch * In, 8);
        var w = Random(Batch * Out, 9);

        var y = Forward(layer, x, Batch);
        var mask = dora.LastDropoutMask.ToArray();
        Assert.Contains(0.0, mask);
        Assert.Equal(y, Reference(layer, dora, x, mask, held: null), new Tolerance(1e-12));

        // L = Σ w ⊙ y with the mask and the norm n fixed: central differences of the reference expression.
        layer.ZeroGradients();
        var dx = new double[Batch * In];
        layer.Backward(x, w, dx, Batch);
        double[] norm = Norms(layer, dora);
        double Loss() => FiniteDifference.Dot(w, Reference(layer, dora, x, mask, norm));
        FiniteDifference.CheckInPlace(x, Loss, dx, "DoRA dropout dX");
        FiniteDifference.CheckInPlace(layer.Weight.Value, Loss, layer.Weight.Gradient, "DoRA dropout dW0");
        foreach (var parameter in dora.AdapterParameters)
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, $"DoRA dropout d{parameter.Name}");
        }
    }

    [Fact]
    public void A_4_bit_base_is_refused_with_a_clear_error()
    {
        var quantized = new Linear<float>(64, 8, random: new Random(1));
        quantized.Quantize();
        var error = Assert.Throws<InvalidOperationException>(() => quantized.AttachDoRA("default", new DoRAOptions { Rank = 2 }));
        Assert.Contains("Dequantize()", error.Message);

        var later = new Linear<float>(64, 8, random: new Random(1));
        later.AttachDoRA("default", new DoRAOptions { Rank = 2 });
        later.Quantize();
        error = Assert.Throws<InvalidOperationException>(() => later.Forward(new float[64], new float[8], 1));
        Assert.Contains("quantized to 4 bits", error.Message);
    }

    [Fact]
    public void Saving_writes_PEFTs_keys_and_use_dora()
    {
        var model = new Holder();
        model.Projection.AttachDoRA("default", new DoRAOptions { Rank = 2, Alpha = 3 });
        string folder = Path.Combine(Path.GetTempPath(), "peft-dora-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder);
            using var saved = PeftAdapterDirectory.Open(folder);
            Assert.True(saved.Config.UseDora);
            Assert.Empty(saved.OtherTensors);
            var magnitude = saved.Weights.GetTensor("base_model.model.proj.lora_magnitude_vector");
            Assert.Equal([(long)Out], magnitude.Shape.ToArray());
            Assert.True(saved.Weights.Contains("base_model.model.proj.lora_A.weight"));
            Assert.True(saved.Weights.Contains("base_model.model.proj.lora_B.weight"));
            Assert.Equal(3, saved.Weights.Tensors.Count);
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
    public void A_file_without_the_magnitude_is_rejected_naming_the_key()
    {
        string folder = Path.Combine(Path.GetTempPath(), "peft-dora-" + Guid.NewGuid().ToString("N"));
        try
        {
            var model = new Holder();
            model.Projection.AttachLoRA("default", new LoRAOptions { Rank = 2 });
            var config = model.SaveAdapter(folder);
            config.UseDora = true;
            File.WriteAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName), config.ToJson());
            var error = Assert.Throws<InvalidDataException>(() => new Holder().LoadAdapter(folder));
            Assert.Contains("base_model.model.proj.lora_magnitude_vector", error.Message);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>‖W0 + s·B·A‖ per row, from the definition.</summary>
    private static double[] Norms(Linear<double> layer, DoRAAdapter<double> dora)
    {
        var norms = new double[Out];
        for (int o = 0; o < Out; o++)
        {
            double sum = 0;
            for (int i = 0; i < In; i++)
            {
                double v = layer.Weight.Value[o * In + i];
                for (int k = 0; k < dora.Rank; k++)
                {
                    v += dora.Scale * dora.B.Value[o * dora.Rank + k] * dora.A.Value[k * In + i];
                }

                sum += v * v;
            }

            norms[o] = Math.Sqrt(sum);
        }

        return norms;
    }

    /// <summary><c>y = b + W0·x + (f − 1) ⊙ (W0·x̃) + f ⊙ s·B·A·x̃</c>, <c>f = m / n</c> (n from the weights unless <paramref name="held"/>).</summary>
    private static double[] Reference(Linear<double> layer, DoRAAdapter<double> dora, double[] x, double[] mask, double[]? held)
    {
        double[] norm = held ?? Norms(layer, dora);
        var dropped = x.Zip(mask, (v, m) => v * m).ToArray();
        var plain = Dense(x, layer.Weight.Value, layer.Bias!.Value, Batch, In, Out);
        var baseDropped = Dense(dropped, layer.Weight.Value, null, Batch, In, Out);
        var xa = Dense(dropped, dora.A.Value, null, Batch, In, dora.Rank);
        var lora = Dense(xa, dora.B.Value, null, Batch, dora.Rank, Out);
        var y = new double[Batch * Out];
        for (int n = 0; n < Batch; n++)
        {
            for (int o = 0; o < Out; o++)
            {
                int j = n * Out + o;
                double f = dora.Magnitude.Value[o] / norm[o];
                y[j] = plain[j] + (f - 1) * baseDropped[j] + f * dora.Scale * lora[j];
            }
        }

        return y;
    }

    private sealed class Tolerance(double relative) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= relative * Math.Max(1, Math.Abs(a));

        public int GetHashCode(double value) => 0;
    }

    /// <summary>A model holding one 6 → 5 layer at path <c>proj</c> (the fixture's module).</summary>
    private sealed class Holder : Module
    {
        public Holder() => Projection = RegisterModule("proj", new Linear<double>(In, Out, random: new Random(9)));

        public Linear<double> Projection { get; }
    }
}
