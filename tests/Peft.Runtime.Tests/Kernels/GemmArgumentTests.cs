using Peft.Kernels;

namespace Peft.Tests.Kernels;

public sealed class GemmArgumentTests
{
    [Fact]
    public void Negative_dimension_is_rejected_with_the_shape()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, 2, -1, 3, 1f, new float[6], new float[3], 0f, new float[2]));
        Assert.Contains("m=2, n=-1, k=3", ex.Message);
    }

    [Fact]
    public void Short_A_is_rejected_with_its_stored_shape()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, 4, 2, 3, 1f, new float[11], new float[6], 0f, new float[8]));
        Assert.Contains("A is stored [4×3]", ex.Message);
        Assert.Contains("needs 12 elements", ex.Message);
    }

    [Fact]
    public void Transposed_B_with_mismatched_length_names_the_transposed_shape()
    {
        // op(B) is 3×2, so Bᵀ is stored 2×3 = 6 elements; 5 cannot hold it.
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, 2, 2, 3, 1.0, new double[6], new double[5], 0.0, new double[4]));
        Assert.Contains("B is stored [2×3]", ex.Message);
        Assert.Contains("(transposed)", ex.Message);
    }

    [Fact]
    public void Leading_dimension_smaller_than_the_row_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, 2, 4, 3, 1f, new float[6], 3, new float[12], 4, 0f, new float[8], 3));
        Assert.Contains("C is stored [2×4]", ex.Message);
        Assert.Contains("leading dimension must be at least 4, got 3", ex.Message);
    }

    [Fact]
    public void Short_C_is_rejected_even_on_the_fast_path()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, 64, 64, 64, 1f, new float[4096], new float[4096], 0f, new float[4095]));
        Assert.Contains("C is stored [64×64]", ex.Message);
    }
}
