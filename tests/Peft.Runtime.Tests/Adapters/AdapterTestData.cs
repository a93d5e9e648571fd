using Peft.Tests.Testing;

namespace Peft.Tests.Adapters;

/// <summary>Deterministic inputs and plain reference math for the adapter tests.</summary>
internal static class AdapterTestData
{
    public static double[] Random(int length, int seed, double scale = 1.0) => FiniteDifference.Random(length, seed, scale);

    public static void Fill(Parameter<double> parameter, int seed, double scale = 1.0)
        => Random(parameter.Length, seed, scale).CopyTo(parameter.Value, 0);

    /// <summary>y[b, o] = Σ_i x[b, i]·W[o, i] (+ bias[o]) with W stored [out, in].</summary>
    public static double[] Dense(double[] x, double[] w, double[]? bias, int batch, int inF, int outF)
    {
        var y = new double[batch * outF];
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = bias is null ? 0.0 : bias[o];
                for (int i = 0; i < inF; i++)
                {
                    sum += x[b * inF + i] * w[o * inF + i];
                }

                y[b * outF + o] = sum;
            }
        }

        return y;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {bound:G3})");
        }
    }

    public static double[] Forward(Linear<double> layer, double[] x, int batch)
    {
        var y = new double[batch * layer.OutFeatures];
        layer.Forward(x, y, batch);
        return y;
    }
}

/// <summary>A small model with named Linear layers for Apply(config) and LoRA+ grouping tests.</summary>
internal sealed class TinyModel : Module
{
    public TinyModel()
    {
        var attention = RegisterModule("attention", new Block());
        Query = attention.Query;
        Value = attention.Value;
        Output = RegisterModule("out_proj", new Linear<double>(6, 3, random: new Random(3)));
        Norm = RegisterModule("norm", new Norm());
    }

    public Linear<double> Query { get; }

    public Linear<double> Value { get; }

    public Linear<double> Output { get; }

    public Norm Norm { get; }

    internal sealed class Block : Module
    {
        public Block()
        {
            Query = RegisterModule("q_proj", new Linear<double>(6, 6, random: new Random(1)));
            Value = RegisterModule("v_proj", new Linear<double>(6, 6, random: new Random(2)));
        }

        public Linear<double> Query { get; }

        public Linear<double> Value { get; }
    }
}

/// <summary>A module with a trainable 1-D norm weight (not a Linear).</summary>
internal sealed class Norm : Module
{
    public Norm() => Weight = RegisterParameter(new Parameter<double>("weight", [6], ParameterRole.NormWeight));

    public Parameter<double> Weight { get; }
}
