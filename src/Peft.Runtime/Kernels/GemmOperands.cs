using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// One validated GEMM call, <c>C = alpha · op(A) · op(B) + beta · C</c>, on pinned row-major storage.
/// Only lives while the caller keeps the spans pinned.
/// </summary>
internal unsafe struct GemmOperands<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public T* A;
    public nint Lda;
    public bool TransA;
    public T* B;
    public nint Ldb;
    public bool TransB;
    public T* C;
    public nint Ldc;
    public int M;
    public int N;
    public int K;
    public T Alpha;
    public T Beta;
}
