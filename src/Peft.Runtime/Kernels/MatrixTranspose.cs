namespace Peft.Kernels;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum MatrixTranspose
{
    /// <summary>Use the operand as stored (row-major).</summary>
    None,

    /// <summary>Use the transpose of the stored (row-major) operand.</summary>
    Transpose,
}
