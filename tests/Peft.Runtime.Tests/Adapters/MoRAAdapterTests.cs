using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Adapters;

public sealed class MoRAAdapterTests
{
    [Theory]
    [InlineData(4096, 4096, 8, MoRAType.Sharing, 256)]
    [InlineData(4096, 4096, 8, MoRAType.RoPE, 256)]
    [InlineData(4096, 11008, 8, MoRAType.Sharing, 348)]
    [InlineData(4096, 11008, 8, MoRAType.RoPE, 348)]
    [InlineData(13, 7, 2, MoRAType.Sharing, 6)]     // √40 + 0.5 = 6.82
    [InlineData(12, 13, 1, MoRAType.Sharing, 5)]    // √25 + 0.5 = 5.5
    [InlineData(12, 13, 1, MoRAType.RoPE, 4)]       // 5 rounded down to even
    public void Square_rank_is_the_rounded_root_of_the_lora_budget(int inF, int outF, int rank, MoRAType type, int expected)
    {
        Assert.Equal(expected, MoRAShape.ComputeSquareRank(inF, outF, rank, type));
    }

    [Fact]
    public void Adapter_reports_square_rank_and_parameter_count_for_a_large_layer()
    {
        var layer = new Linear<float>(4096, 11008, bias: false);
        var mora = layer.AttachMoRA("default", new MoRAOptions { Rank = 8, Type = MoRAType.RoPE });
        Assert.Equal(348, mora.SquareRank);
        Assert.Equal(348 * 348, mora.ParameterCount);
    }

    public static TheoryData<int, int, int, MoRAType> Shapes()
    {
        var data = new TheoryData<int, int, int, MoRAType>();
        foreach (var type in new[] { MoRAType.Sharing, MoRAType.RoPE })
        {
            data.Add(13, 7, 2, type);   // in > out, in not a multiple of r̂
            data.Add(7, 13, 2, type);   // in < out: the output is tiled
            data.Add(16, 16, 1, type);
            data.Add(3, 50, 4, type);   // r̂ > in: the padding wraps several times
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_the_reference_operators(int inF, int outF, int rank, MoRAType type)
    {
        const int batch = 3;
        var layer = new Linear<double>(inF, outF, random: new Random(1));
        var mora = layer.AttachMoRA("default", new MoRAOptions { Rank = rank, Type = type });
        Fill(mora.M, 2);
        var x = Random(batch * inF, 3);
        var expected = Dense(x, layer.Weight.Value, layer.Bias!.Value, batch, inF, outF);
        for (int b = 0; b < batch; b++)
        {
            var delta = MoRAReference.Delta(x[(b * inF)..((b + 1) * inF)], mora.M.Value, inF, outF, mora.SquareRank, type);
            for (int o = 0; o < outF; o++)
            {
                expected[b * outF + o] += delta[o];
            }
        }

        AssertClose(expected, Forward(layer, x, batch), 1e-12);
    }

    [Fact]
    public void Zero_initialised_M_leaves_the_base_output_unchanged()
    {
        var layer = new Linear<double>(13, 7);
        var x = Random(2 * 13, 4);
        var before = Forward(layer, x, 2);
        var mora = layer.AttachMoRA("default", new MoRAOptions { Rank = 2, Type = MoRAType.RoPE });
        Assert.All(mora.M.Value, v => Assert.Equal(0.0, v));
        Assert.Equal(before, Forward(layer, x, 2));
    }

    [Fact]
    public void Parameter_layout_is_base_first_when_trained_then_M_row_major()
    {
        var layer = new Linear<double>(13, 7);
        var mora = layer.AttachMoRA("default", new MoRAOptions { Rank = 2, FreezeBase = false });
        Assert.Equal(6, mora.SquareRank);
        Assert.Equal(7 * 13 + 7 + 36, mora.ParameterCount);
        var values = Enumerable.Range(0, mora.ParameterCount).Select(i => (double)i).ToArray();
        mora.SetParameters(values);
        Assert.Equal(values[..91], layer.Weight.Value);
        Assert.Equal(values[91..98], layer.Bias!.Value);
        Assert.Equal(values[98..], mora.M.Value);

        layer.IsFrozen = true;
        Assert.Equal(36, mora.ParameterCount);
        var ex = Assert.Throws<ArgumentException>(() => mora.SetParameters(values));
        Assert.Contains("expected 36", ex.Message);
    }

    [Fact]
    public void Kernel_built_for_another_shape_is_rejected()
    {
        var layer = new Linear<double>(13, 7);
        var kernel = new RuntimeMoRAKernel<double>(new MoRAShape(7, 13, 6, MoRAType.Sharing));
        var ex = Assert.Throws<ArgumentException>(() => layer.AttachMoRA("default", new MoRAOptions { Rank = 2 }, kernel));
        Assert.Contains("shape mismatch", ex.Message);
        Assert.Contains("in=13, out=7", ex.Message);
        Assert.Empty(layer.Adapters);
    }
}
