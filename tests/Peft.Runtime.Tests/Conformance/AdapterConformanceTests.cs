using Peft.IO;
using Peft.Methods;
using Peft.Tests.Testing;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// The checks every adapter method passes, run for every case of <see cref="AdapterMethodCases"/>: analytic
/// gradients against central differences in double, merge equal to the adapted forward and unmerge restoring
/// the base, a PEFT save → load round trip, several named adapters on one layer, and allocation-free training
/// steps; <see cref="GeneratedConformanceTests"/> runs every case through its generated kernel against the runtime one.
/// </summary>
public sealed class AdapterConformanceTests
{
    private const int Batch = 3;

    public static TheoryData<string> Cases() => AdapterMethodCases.Names();

    /// <summary>(in, out, rank, train the base): in &gt; out, in &lt; out with the base trained, r̂ &gt; in (MoRA's
    /// cyclic padding wraps), RoPE chunks beyond out (skipped).</summary>
    public static TheoryData<string, int, int, int, bool> GradientCases()
    {
        var data = new TheoryData<string, int, int, int, bool>();
        foreach (var method in AdapterMethodCases.All)
        {
            data.Add(method.Name, 13, 7, 2, false);
            data.Add(method.Name, 7, 13, 2, true);
            data.Add(method.Name, 3, 50, 2, false);
            data.Add(method.Name, 20, 9, 1, true);
        }

        return data;
    }

    [Fact]
    public void Every_method_has_a_case()
    {
        Assert.Equal(Enum.GetValues<AdapterMethod>(), AdapterMethodCases.All.Select(c => c.Method).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Analytic_gradients_match_central_differences(string name, int inF, int outF, int rank, bool trainBase)
    {
        var method = AdapterMethodCases.Get(name);
        var layer = new Linear<double>(inF, outF, random: new Random(7));
        var adapter = layer.Attach("default", method.Options(rank, freezeBase: !trainBase));
        if (method.Stochastic)
        {
            layer.Eval();
        }

        RandomizeAdapter(adapter, 20);
        var x = Random(Batch * inF, 1);
        var w = Random(Batch * outF, 2);
        var y = new double[Batch * outF];
        double Loss()
        {
            layer.Forward(x, y, Batch);
            return FiniteDifference.Dot(w, y);
        }

        // L = Σ w ⊙ y, so dY = w.
        layer.ZeroGradients();
        layer.Forward(x, y, Batch);
        var dx = new double[Batch * inF];
        layer.Backward(x, w, dx, Batch);
        method.HoldConstants(adapter);

        FiniteDifference.CheckInPlace(x, Loss, dx, $"{name} dX");
        foreach (var parameter in adapter.AdapterParameters)
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, $"{name} d{parameter.Name}");
        }

        if (trainBase)
        {
            FiniteDifference.CheckInPlace(layer.Weight.Value, Loss, layer.Weight.Gradient, $"{name} dW");
            FiniteDifference.CheckInPlace(layer.Bias!.Value, Loss, layer.Bias.Gradient, $"{name} db");
        }
        else
        {
            Assert.All(layer.Weight.Gradient, g => Assert.Equal(0.0, g));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merge_equals_the_adapted_forward_and_unmerge_restores_the_base(string name)
    {
        var method = AdapterMethodCases.Get(name);
        var layer = new Linear<double>(13, 7, random: new Random(1));
        var adapter = layer.Attach("default", method.Options(2));
        layer.Eval();
        RandomizeAdapter(adapter, 2);
        var original = (double[])layer.Weight.Value.Clone();
        var x = Random(4 * 13, 3);
        var adapted = Forward(layer, x, 4);

        // W = W0 + ΔW, and ΔW is what the adapter says it is.
        var delta = new double[7 * 13];
        adapter.ComputeDeltaWeight(delta);
        layer.Adapters.Merge();
        Assert.True(adapter.IsMerged);
        AssertClose(adapted, Forward(layer, x, 4), 1e-12);
        AssertClose(original.Zip(delta, (w0, d) => w0 + d).ToArray(), layer.Weight.Value, 1e-14);

        layer.Adapters.Unmerge();
        Assert.False(adapter.IsMerged);
        AssertClose(original, layer.Weight.Value, 1e-14);
        AssertClose(adapted, Forward(layer, x, 4), 1e-12);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PEFT_save_then_load_reproduces_the_adapted_forward(string name)
    {
        var method = AdapterMethodCases.Get(name);
        var saved = new Holder();
        var adapter = saved.Projection.Attach("default", method.Options(2));
        RandomizeAdapter(adapter, 5);
        saved.Eval();
        var x = Random(4 * 13, 6);
        var expected = Forward(saved.Projection, x, 4);

        string folder = Path.Combine(Path.GetTempPath(), "peft-conformance-" + Guid.NewGuid().ToString("N"));
        try
        {
            saved.SaveAdapter(folder, dtype: SafetensorsDType.F64);
            var loaded = new Holder();
            loaded.LoadAdapter(folder);
            loaded.Eval();
            AssertClose(expected, Forward(loaded.Projection, x, 4), 1e-15);
            Assert.Equal(
                adapter.AdapterParameters.Sum(p => p.Length),
                loaded.Projection.Adapters.Active!.AdapterParameters.Sum(p => p.Length));
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
    [MemberData(nameof(Cases))]
    public void Several_named_adapters_the_active_one_decides_the_output_and_alone_trains(string name)
    {
        var method = AdapterMethodCases.Get(name);
        var layer = new Linear<double>(13, 7, random: new Random(1));
        var first = layer.Attach("first", method.Options(2));
        var second = layer.Attach("second", method.Options(1));
        layer.Eval();
        RandomizeAdapter(first, 10);
        RandomizeAdapter(second, 30);
        var x = Random(Batch * 13, 4);

        foreach (var adapter in new[] { first, second })
        {
            layer.Adapters.SetActive(adapter.Name);
            var delta = new double[7 * 13];
            adapter.ComputeDeltaWeight(delta);
            var weight = layer.Weight.Value.Zip(delta, (w0, d) => w0 + d).ToArray();
            var bias = (double[])layer.Bias!.Value.Clone();
            adapter.AddDeltaBias(bias, 1.0); // IA³ on the output scales the bias too
            AssertClose(Dense(x, weight, bias, Batch, 13, 7), Forward(layer, x, Batch), 1e-12);

            layer.ZeroGradients();
            layer.Backward(x, Random(Batch * 7, 8), Span<double>.Empty, Batch);
            var inactive = adapter == first ? second : first;
            Assert.Contains(adapter.AdapterParameters.SelectMany(p => p.Gradient), g => g != 0);
            Assert.All(inactive.AdapterParameters.SelectMany(p => p.Gradient), g => Assert.Equal(0.0, g));
        }

        using (layer.Adapters.Disable())
        {
            AssertClose(Dense(x, layer.Weight.Value, layer.Bias!.Value, Batch, 13, 7), Forward(layer, x, Batch), 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_step_allocates_nothing_after_warm_up(string name)
    {
        const int batch = 4, inF = 24, outF = 20;
        var layer = new Linear<float>(inF, outF);
        layer.Attach("default", AdapterMethodCases.Get(name).Options(4));
        var optimizer = new AdamW(LoRAPlusParameterGroups.Create(layer, 1e-3, 16));
        var x = new float[batch * inF];
        var y = new float[batch * outF];
        var dy = new float[batch * outF];
        var dx = new float[batch * inF];
        x.AsSpan().Fill(0.5f);
        dy.AsSpan().Fill(0.25f);

        void Step()
        {
            optimizer.ZeroGradients();
            layer.Forward(x, y, batch);
            layer.Backward(x, dy, dx, batch);
            optimizer.Step();
        }

        // Past tiered compilation, the cleanest of several windows (a tier-up under load allocates).
        Assert.Equal(0, ThreadAllocations.CleanestWindow(Step, calls: 5));

        // A smaller batch reuses the scratch; only a larger one grows it.
        long before = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward(x.AsSpan(0, inF), y.AsSpan(0, outF), 1);
        layer.Backward(x.AsSpan(0, inF), dy.AsSpan(0, outF), dx.AsSpan(0, inF), 1);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Non-zero values in every adapter parameter (B and M start at zero), so every path carries signal.</summary>
    private static void RandomizeAdapter(Adapter<double> adapter, int seed)
    {
        for (int i = 0; i < adapter.AdapterParameters.Count; i++)
        {
            Random(adapter.AdapterParameters[i].Length, seed + i, 0.5).CopyTo(adapter.AdapterParameters[i].Value, 0);
        }
    }

    /// <summary>A model holding one 13 → 7 layer at path <c>projection</c>, the same base weights every time.</summary>
    private sealed class Holder : Module
    {
        public Holder() => Projection = RegisterModule("projection", new Linear<double>(13, 7, random: new Random(9)));

        public Linear<double> Projection { get; }
    }
}
