using System.Numerics;
using Peft.Generated;
using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>
/// The generated kernels against the runtime reference: the same model twice, one with
/// <c>AttachAdapters()</c> (generated kernels), one with the same options attached through the
/// runtime path; identical parameters in, the same outputs, gradients and AdamW trajectories out.
/// </summary>
public sealed class EqualityTests
{
    private const int Steps = 4;

    /// <summary>Rows per step of the <c>Parallel</c> model: odd, and enough for every pass group to run as a parallel region.</summary>
    private const int ParallelBatch = 203;

    public static IEnumerable<object[]> Models() => [["LoRA"], ["LoRAPlus"], ["MoRA"], ["Parallel"], ["HighRank"]];

    /// <summary>The generator unrolls loops exactly up to the rank below the runtime's measured crossover.</summary>
    [Fact]
    public void GeneratorUnrollsUpToTheRuntimeCrossover() =>
        Assert.Equal(LowRankCrossover.GeneratedLoopsMaxRank, PeftGenerator.MaxUnrolledRank);

    /// <summary>Every LoRA pass group of the <c>Parallel</c> model (forward; g and dX; dA and dB) is above the generator's threshold.</summary>
    [Fact]
    public void ParallelModelIsAboveTheParallelThreshold()
    {
        var model = new ParallelEqualityModel();
        model.AttachAdapters();
        foreach (var (path, layer) in model.AdapterLayers())
        {
            var (inFeatures, outFeatures, rank) = layer switch
            {
                Linear<float> f => (f.InFeatures, f.OutFeatures, ((LoRAAdapter<float>)f.Adapters.Active!).Rank),
                Linear<double> d => (d.InFeatures, d.OutFeatures, ((LoRAAdapter<double>)d.Adapters.Active!).Rank),
                _ => throw new InvalidOperationException(path),
            };
            long smallestGroup = (long)ParallelBatch * rank * (inFeatures + outFeatures); // each group, with every gradient wanted
            Assert.True(smallestGroup >= PeftGenerator.ParallelWork, $"{path}: {smallestGroup} multiply-adds stay on one thread");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GeneratedKernelsAreUsed(string model)
    {
        var generated = Create(model);
        generated.AttachAdapters();
        foreach (var (path, layer) in generated.AdapterLayers())
        {
            object kernel = KernelOf(layer);
            Assert.False(kernel.GetType().IsGenericType, $"{path} uses {kernel.GetType().Name}, not a generated kernel.");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GeneratedAndRuntimePathsAgree(string model)
    {
        var (generated, runtime) = CreatePair(model);
        var random = new Random(7);

        // One forward/backward on random data, then several AdamW steps with the generated LoRA+ groups.
        RunStep(generated, runtime, random, compare: true);
        var generatedOptimizer = generated.CreateOptimizer(1e-2, weightDecay: 0.01);
        var runtimeOptimizer = runtime.CreateOptimizer(1e-2, weightDecay: 0.01);
        for (int step = 0; step < Steps; step++)
        {
            generatedOptimizer.Step();
            runtimeOptimizer.Step();
            RunStep(generated, runtime, random, compare: step == Steps - 1);
        }

        ParametersAgree((Module)generated, (Module)runtime);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MergeThenForwardMatchesAdapterForward(string model)
    {
        var (generated, _) = CreatePair(model);
        ((Module)generated).Eval();
        var random = new Random(3);
        int batch = BatchOf(generated);
        foreach (var (path, layer) in generated.AdapterLayers())
        {
            var before = Forward(layer, batch, random, out var input);
            generated.MergeAdapters();
            var merged = ForwardWith(layer, batch, input);
            generated.UnmergeAdapters();
            AssertClose(before, merged, $"{path} merged");
        }
    }

    /// <summary>The generated merge (LoRA: the rank-unrolled loop; MoRA: the kernel's forward on the identity) folds
    /// the same ΔW into every weight as the runtime kernels, and unmerging restores the same weights.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void GeneratedAndRuntimeMergesAgree(string model)
    {
        var (generated, runtime) = CreatePair(model);
        generated.MergeAdapters();
        runtime.MergeAdapters();
        ParametersAgree((Module)generated, (Module)runtime);
        generated.UnmergeAdapters();
        runtime.UnmergeAdapters();
        ParametersAgree((Module)generated, (Module)runtime);
    }

    /// <summary>
    /// The MoRA kernels on a batch large enough to run as a parallel region over several blocks with a partial last
    /// one (7001 items; every layer of the model is over the kernels' work threshold): y, dX and dM agree with the
    /// runtime kernel, and a second run gives bitwise the same results (block sums are added in block order).
    /// </summary>
    [Fact]
    public void MoRAKernelsAgreeOnLargeBatches()
    {
        var model = new MoRAEqualityModel();
        model.AttachAdapters();
        foreach (var (path, layer) in model.AdapterLayers())
        {
            switch (layer)
            {
                case Linear<float> f:
                    LargeBatchAgrees(path, (MoRAAdapter<float>)f.Adapters.Active!);
                    break;
                case Linear<double> d:
                    LargeBatchAgrees(path, (MoRAAdapter<double>)d.Adapters.Active!);
                    break;
            }
        }
    }

    private static void LargeBatchAgrees<T>(string path, MoRAAdapter<T> adapter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const int batch = 7001;
        var generated = adapter.Kernel;
        var shape = generated.Shape;
        var runtime = new RuntimeMoRAKernel<T>(shape);
        var random = new Random(17);
        int length = batch * shape.RowsPerItem * shape.SquareRank;
        var x = RandomArray<T>(batch * shape.InFeatures, random);
        var m = RandomArray<T>(shape.SquareRank * shape.SquareRank, random);
        var dy = RandomArray<T>(batch * shape.OutFeatures, random);
        var y0 = RandomArray<T>(batch * shape.OutFeatures, random);
        var dx0 = RandomArray<T>(x.Length, random);
        var dm0 = RandomArray<T>(m.Length, random);

        (T[] Y, T[] Dx, T[] Dm) Run(IMoRAKernel<T> kernel)
        {
            var (compressed, mixed) = (new T[length], new T[length]);
            var (mixedGradient, compressedGradient) = (new T[length], new T[length]);
            var (y, dx, dm) = ((T[])y0.Clone(), (T[])dx0.Clone(), (T[])dm0.Clone());
            kernel.Forward(x, m, compressed, mixed, y, batch);
            kernel.Backward(dy, m, compressed, mixedGradient, compressedGradient, dm, dx, batch);
            return (y, dx, dm);
        }

        var expected = Run(runtime);
        var actual = Run(generated);
        AssertClose<T>(expected.Y, actual.Y, $"{path} output");
        AssertClose<T>(expected.Dx, actual.Dx, $"{path} input gradient");
        AssertClose<T>(expected.Dm, actual.Dm, $"{path} M gradient");
        var again = Run(generated);
        Assert.True(actual.Y.AsSpan().SequenceEqual(again.Y) && actual.Dx.AsSpan().SequenceEqual(again.Dx) && actual.Dm.AsSpan().SequenceEqual(again.Dm),
            $"{path}: a second run differs");
    }

    private static IAdapterModel Create(string model) => model switch
    {
        "LoRA" => new LoRAEqualityModel(),
        "LoRAPlus" => new LoRAPlusEqualityModel(),
        "MoRA" => new MoRAEqualityModel(),
        "Parallel" => new ParallelEqualityModel(),
        "HighRank" => new HighRankEqualityModel(),
        _ => throw new ArgumentException(model),
    };

    private static int BatchOf(IAdapterModel model) => model is ParallelEqualityModel ? ParallelBatch : 5;

    /// <summary>Two instances: generated kernels and runtime kernels, with identical, non-zero adapter parameters.</summary>
    private static (IAdapterModel Generated, IAdapterModel Runtime) CreatePair(string model)
    {
        var generated = Create(model);
        var runtime = Create(model);
        generated.AttachAdapters(seed: 11);
        runtime.RegisterAdapterLayers();
        var runtimeLayers = runtime.AdapterLayers().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (path, layer) in generated.AdapterLayers())
        {
            AttachRuntime(layer, runtimeLayers[path]);
        }

        // B and M start at zero; random values make every product visible.
        var random = new Random(5);
        var runtimeParameters = ((Module)runtime).NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (path, parameter) in ((Module)generated).NamedParameters())
        {
            Assert.True(runtimeParameters.ContainsKey(path), $"runtime model lacks {path}");
            if (parameter.Role is ParameterRole.LoRAA or ParameterRole.LoRAB or ParameterRole.MoRAM)
            {
                Randomize(parameter, runtimeParameters[path], random);
            }
        }

        return (generated, runtime);
    }

    private static void AttachRuntime(Module generatedLayer, Module runtimeLayer)
    {
        switch (generatedLayer, runtimeLayer)
        {
            case (Linear<float> g, Linear<float> r):
                r.Attach(LinearAdapterExtensions.DefaultName, OptionsOf(g.Adapters.Active!));
                break;
            case (Linear<double> g, Linear<double> r):
                r.Attach(LinearAdapterExtensions.DefaultName, OptionsOf(g.Adapters.Active!));
                break;
            default:
                throw new InvalidOperationException("Mismatched layer types.");
        }
    }

    private static AdapterOptions OptionsOf<T>(Adapter<T> adapter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => adapter switch
        {
            LoRAAdapter<T> lora => lora.Options,
            MoRAAdapter<T> mora => mora.Options,
            _ => throw new InvalidOperationException(adapter.GetType().Name),
        };

    private static object KernelOf(Module layer) => layer switch
    {
        Linear<float> f => KernelOf(f.Adapters.Active!),
        Linear<double> d => KernelOf(d.Adapters.Active!),
        _ => throw new InvalidOperationException(layer.GetType().Name),
    };

    private static object KernelOf<T>(Adapter<T> adapter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => adapter switch
        {
            LoRAAdapter<T> lora => lora.Kernel,
            MoRAAdapter<T> mora => mora.Kernel,
            _ => throw new InvalidOperationException(adapter.GetType().Name),
        };

    private static void Randomize(Parameter generated, Parameter runtime, Random random)
    {
        switch (generated, runtime)
        {
            case (Parameter<float> g, Parameter<float> r):
                for (int i = 0; i < g.Length; i++)
                {
                    g.Value[i] = r.Value[i] = (float)(random.NextDouble() - 0.5);
                }

                break;
            case (Parameter<double> g, Parameter<double> r):
                for (int i = 0; i < g.Length; i++)
                {
                    g.Value[i] = r.Value[i] = random.NextDouble() - 0.5;
                }

                break;
        }
    }

    /// <summary>Zero gradients, forward and backward every layer on the same random data; compare y, dX and gradients.</summary>
    private static void RunStep(IAdapterModel generated, IAdapterModel runtime, Random random, bool compare)
    {
        ((Module)generated).ZeroGradients();
        ((Module)runtime).ZeroGradients();
        var runtimeLayers = runtime.AdapterLayers().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (path, layer) in generated.AdapterLayers())
        {
            switch (layer, runtimeLayers[path])
            {
                case (Linear<float> g, Linear<float> r):
                    StepLayer(path, g, r, BatchOf(generated), random, compare);
                    break;
                case (Linear<double> g, Linear<double> r):
                    StepLayer(path, g, r, BatchOf(generated), random, compare);
                    break;
            }
        }

        if (compare)
        {
            ParametersAgree((Module)generated, (Module)runtime, gradients: true);
        }
    }

    private static void StepLayer<T>(string path, Linear<T> generated, Linear<T> runtime, int batch, Random random, bool compare)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var x = RandomArray<T>(batch * generated.InFeatures, random);
        var dy = RandomArray<T>(batch * generated.OutFeatures, random);
        var (yg, yr) = (new T[batch * generated.OutFeatures], new T[batch * generated.OutFeatures]);
        var (dxg, dxr) = (new T[x.Length], new T[x.Length]);
        generated.Forward(x, yg, batch);
        runtime.Forward(x, yr, batch);
        generated.Backward(x, dy, dxg, batch);
        runtime.Backward(x, dy, dxr, batch);
        if (compare)
        {
            AssertClose(yr, yg, $"{path} output");
            AssertClose(dxr, dxg, $"{path} input gradient");
        }
    }

    private static void ParametersAgree(Module generated, Module runtime, bool gradients = false)
    {
        var runtimeParameters = runtime.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (path, parameter) in generated.NamedParameters())
        {
            switch (parameter, runtimeParameters[path])
            {
                case (Parameter<float> g, Parameter<float> r):
                    AssertClose(gradients ? r.Gradient : r.Value, gradients ? g.Gradient : g.Value, path);
                    break;
                case (Parameter<double> g, Parameter<double> r):
                    AssertClose(gradients ? r.Gradient : r.Value, gradients ? g.Gradient : g.Value, path);
                    break;
            }
        }
    }

    private static object Forward(Module layer, int batch, Random random, out object input)
    {
        switch (layer)
        {
            case Linear<float> f:
                input = RandomArray<float>(batch * f.InFeatures, random);
                return ForwardWith(layer, batch, input);
            case Linear<double> d:
                input = RandomArray<double>(batch * d.InFeatures, random);
                return ForwardWith(layer, batch, input);
            default:
                throw new InvalidOperationException(layer.GetType().Name);
        }
    }

    private static object ForwardWith(Module layer, int batch, object input)
    {
        switch (layer)
        {
            case Linear<float> f:
                var yf = new float[batch * f.OutFeatures];
                f.Forward((float[])input, yf, batch);
                return yf;
            case Linear<double> d:
                var yd = new double[batch * d.OutFeatures];
                d.Forward((double[])input, yd, batch);
                return yd;
            default:
                throw new InvalidOperationException(layer.GetType().Name);
        }
    }

    private static void AssertClose(object expected, object actual, string what)
    {
        switch (expected, actual)
        {
            case (float[] e, float[] a):
                AssertClose<float>(e, a, what);
                break;
            case (double[] e, double[] a):
                AssertClose<double>(e, a, what);
                break;
            default:
                throw new InvalidOperationException(what);
        }
    }

    /// <summary>Agreement to rounding: |a − e| ≤ tol·(1 + |e|), tol 2e-4 in float and 1e-10 in double.</summary>
    private static void AssertClose<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double tolerance = typeof(T) == typeof(float) ? 2e-4 : 1e-10;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]);
            double a = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(a - e) <= tolerance * (1 + Math.Abs(e)), $"{what}[{i}]: generated {a}, runtime {e}");
        }
    }

    private static T[] RandomArray<T>(int length, Random random)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        }

        return values;
    }
}
