using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// Every case of <see cref="AdapterMethodCases"/> through its generated model (<see cref="IGeneratedCaseModel"/>): the
/// adapter <c>AttachAdapters</c> attaches with the generated kernel equals the runtime adapter with the same options —
/// outputs, input and parameter gradients over two training steps (the same dropout masks), and the merged weight.
/// </summary>
public sealed class GeneratedConformanceTests
{
    private const int Batch = 5;
    private const int InFeatures = 13;
    private const int OutFeatures = 7;

    [Fact]
    public void Every_method_has_a_generated_case()
    {
        foreach (var method in Enum.GetValues<Peft.Methods.AdapterMethod>())
        {
            Assert.Contains(AdapterMethodCases.All, c => c.Method == method);
        }
    }

    [Theory]
    [MemberData(nameof(AdapterConformanceTests.Cases), MemberType = typeof(AdapterConformanceTests))]
    public void Generated_kernels_equal_the_runtime_kernels(string name)
    {
        var method = AdapterMethodCases.Get(name);
        var model = method.CreateGenerated();
        model.AttachAdapters();
        var generatedLayer = model.Layer;
        var generated = generatedLayer.Adapters.Active!;

        // The kernel is the layer's generated one (a file-local class), not the runtime's generic kernel — except where the
        // generator attaches the runtime kernel on purpose.
        object kernel = generated.GetType().GetProperty("Kernel")!.GetValue(generated)!;
        Assert.True(kernel.GetType().IsGenericType != method.GeneratedKernel,
            $"{name} uses {kernel.GetType().Name}; expected {(method.GeneratedKernel ? "a generated" : "the runtime")} kernel.");

        var runtimeLayer = new Linear<double>(InFeatures, OutFeatures);
        generatedLayer.Weight.Value.CopyTo(runtimeLayer.Weight.Value, 0);
        generatedLayer.Bias!.Value.CopyTo(runtimeLayer.Bias!.Value, 0);
        var runtime = runtimeLayer.Attach("default", method.Options(2));
        Assert.Equal(runtime.GetType(), generated.GetType());
        Assert.Equal(runtime.ParameterCount, generated.ParameterCount);
        for (int i = 0; i < runtime.AdapterParameters.Count; i++)
        {
            var values = Random(runtime.AdapterParameters[i].Length, 40 + i, 0.5);
            values.CopyTo(runtime.AdapterParameters[i].Value, 0);
            values.CopyTo(generated.AdapterParameters[i].Value, 0);
        }

        // Two training steps: dropout (where the case has it) draws its masks from the same seed on both paths.
        for (int step = 0; step < 2; step++)
        {
            var x = Random(Batch * InFeatures, 50 + step);
            var dy = Random(Batch * OutFeatures, 60 + step);
            var (yGenerated, dxGenerated) = Step(generatedLayer, x, dy);
            var (yRuntime, dxRuntime) = Step(runtimeLayer, x, dy);
            AssertClose(yRuntime, yGenerated, 1e-12);
            AssertClose(dxRuntime, dxGenerated, 1e-12);
            for (int i = 0; i < runtime.AdapterParameters.Count; i++)
            {
                AssertClose(runtime.AdapterParameters[i].Gradient, generated.AdapterParameters[i].Gradient, 1e-12);
            }
        }

        generatedLayer.Eval();
        runtimeLayer.Eval();
        generatedLayer.Adapters.Merge();
        runtimeLayer.Adapters.Merge();
        AssertClose(runtimeLayer.Weight.Value, generatedLayer.Weight.Value, 1e-12);
    }

    private static (double[] Y, double[] Dx) Step(Linear<double> layer, double[] x, double[] dy)
    {
        layer.ZeroGradients();
        var y = Forward(layer, x, Batch);
        var dx = new double[Batch * InFeatures];
        layer.Backward(x, dy, dx, Batch);
        return (y, dx);
    }
}
