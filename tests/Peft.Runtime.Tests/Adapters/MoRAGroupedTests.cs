using Peft.Tests.Testing;

namespace Peft.Tests.Adapters;

/// <summary>MoRA's grouped types (official mora_type 2–4) against the official fork's view-and-sum arithmetic.</summary>
public sealed class MoRAGroupedTests
{
    // The fork: mr = n // r + 1, nr = n // r, m = n − r·nr; the first m groups hold mr elements, the rest nr.
    private static int[][] OfficialGroups(int n, int r)
    {
        int nr = n / r, m = n - r * nr;
        var groups = new int[r][];
        int next = 0;
        for (int j = 0; j < r; j++)
        {
            int size = j < m ? nr + 1 : nr;
            groups[j] = Enumerable.Range(next, size).ToArray();
            next += size;
        }

        Assert.Equal(n, next);
        return groups;
    }

    [Theory]
    [InlineData(10, 4, 9)]
    [InlineData(12, 4, 12)]
    [InlineData(3, 5, 2)] // fewer inputs and outputs than r̂: the last groups are empty
    public void Grouped_compression_and_decompression_are_the_forks_sums_and_repeats(int inF, int squareRank, int outF)
    {
        var kernel = new RuntimeMoRAKernel<double>(new MoRAShape(inF, outF, squareRank, MoRAType.Grouped));
        var x = FiniteDifference.Random(2 * inF, seed: 1);
        var c = new double[2 * squareRank];
        kernel.Compress(x, c, 2);
        var inGroups = OfficialGroups(inF, squareRank);
        var outGroups = OfficialGroups(outF, squareRank);
        for (int item = 0; item < 2; item++)
        {
            for (int j = 0; j < squareRank; j++)
            {
                Assert.Equal(inGroups[j].Sum(i => x[item * inF + i]), c[item * squareRank + j], 1e-14);
            }
        }

        var h = FiniteDifference.Random(2 * squareRank, seed: 2);
        var y = new double[2 * outF];
        kernel.Decompress(h, y, 2);
        for (int item = 0; item < 2; item++)
        {
            for (int j = 0; j < squareRank; j++)
            {
                Assert.All(outGroups[j], o => Assert.Equal(h[item * squareRank + j], y[item * outF + o]));
            }
        }
    }

    [Theory]
    [InlineData(MoRAType.Grouped)]
    [InlineData(MoRAType.GroupedCompression)]
    [InlineData(MoRAType.GroupedDecompression)]
    public void The_adjoints_are_the_transposes(MoRAType type)
    {
        // ⟨compress(x), c⟩ = ⟨x, compressᵀ(c)⟩ and ⟨decompress(h), y⟩ = ⟨h, decompressᵀ(y)⟩ for in 11, out 6, r̂ 4.
        var kernel = new RuntimeMoRAKernel<double>(new MoRAShape(11, 6, 4, type));
        var x = FiniteDifference.Random(11, seed: 3);
        var c = FiniteDifference.Random(4, seed: 4);
        var compressed = new double[4];
        var adjoint = new double[11];
        kernel.Compress(x, compressed, 1);
        kernel.CompressAdjoint(c, adjoint, 1);
        Assert.Equal(FiniteDifference.Dot(compressed, c), FiniteDifference.Dot(x, adjoint), 1e-13);

        var h = FiniteDifference.Random(4, seed: 5);
        var dy = FiniteDifference.Random(6, seed: 6);
        var y = new double[6];
        var dh = new double[4];
        kernel.Decompress(h, y, 1);
        kernel.DecompressAdjoint(dy, dh, 1);
        Assert.Equal(FiniteDifference.Dot(y, dy), FiniteDifference.Dot(h, dh), 1e-13);
    }
}
