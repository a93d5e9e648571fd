using System.Collections.Generic;
using System.Linq;
using Peft.Generators.Helpers;

namespace Peft.Generators;

/// <summary>
/// Writers of the three loop shapes every low-rank kernel is made of. Each is unrolled over the
/// constant rank r — r accumulators or r broadcast coefficients live in registers, there is no
/// loop over r — and vectorized over the feature dimension with Vector512 / Vector256 and a
/// scalar tail.
/// </summary>
public sealed partial class PeftGenerator
{
    internal const string UnsafeName = "global::System.Runtime.CompilerServices.Unsafe";
    internal const string MemoryMarshalName = "global::System.Runtime.InteropServices.MemoryMarshal";
    internal const string SpanName = "global::System.Span";
    internal const string ReadOnlySpanName = "global::System.ReadOnlySpan";
    private static readonly string[] VectorWidths = ["Vector512", "Vector256"];

    /// <summary>Hot loops are compiled fully optimized at once (no tier-0 / OSR code in the first steps).</summary>
    private const string AggressiveOptimization =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    private static string Vector(string width) => "global::System.Runtime.Intrinsics." + width;

    private static IEnumerable<int> Ranks(int rank) => Enumerable.Range(0, rank);

    /// <summary>
    /// The SIMD paths of a loop: Vector512 when accelerated, else Vector256 (the JIT keeps one);
    /// what they leave over runs in the scalar tail the caller writes after them.
    /// </summary>
    private static void WriteVectorPaths(IndentedWriter writer, string t, bool fullVectorOnly, System.Action<string> body)
    {
        for (int w = 0; w < VectorWidths.Length; w++)
        {
            string vector = Vector(VectorWidths[w]);
            string guard = fullVectorOnly ? $" && width >= {vector}<{t}>.Count" : "";
            using (writer.OpenBlock((w == 0 ? "if" : "else if") + $" ({vector}.IsHardwareAccelerated{guard})"))
            {
                body(vector);
            }
        }
    }

    /// <summary>The loop over whole vectors of the feature dimension.</summary>
    private static string VectorLoop(string vector, string t, string end = "width") => $"for (; j <= {end} - {vector}<{t}>.Count; j += {vector}<{t}>.Count)";

    /// <summary><c>ref T m{k} = ref Unsafe.Add(ref m0, k·width)</c> for every k: the rows of an <c>[r, width]</c> matrix.</summary>
    private static void WriteRowReferences(IndentedWriter writer, string element, string matrix, string span, int rank, string width)
    {
        writer.Line($"ref {element} {matrix}0 = ref {MemoryMarshalName}.GetReference({span});");
        for (int k = 1; k < rank; k++)
        {
            writer.Line($"ref {element} {matrix}{k} = ref {UnsafeName}.Add(ref {matrix}0, {k} * {width});");
        }
    }

    /// <summary>The name of the loops class shared by every kernel of one rank and element type in a file.</summary>
    private static string LoopsName(string t, int rank) => $"Rank{rank}{(t == "float" ? "Single" : "Double")}Loops";

    /// <summary>
    /// Multiply-adds of a pass group (one parallel region) below which it runs on the calling thread.
    /// Waking the second core costs about ten microseconds (an event set, the worker's wake-up, the
    /// closing handshake) while one core does about twenty multiply-adds per nanosecond here, so a
    /// region pays off from roughly a million multiply-adds: 64×768×768×8 (0.8 M per group) stays on
    /// the calling thread, 512×1024×1024×8 (8.4 M) and 256×2048×2048×16 (16.8 M) use both cores.
    /// </summary>
    public const long ParallelWork = 2_000_000;

    /// <summary><see cref="ParallelWork"/> as the generated code writes it (<c>2_000_000</c>).</summary>
    private static string ParallelWorkLiteral =>
        ParallelWork.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).Replace(',', '_');

    /// <summary>Rows per claimed chunk of a row region (even: <c>ProjectDown</c> takes rows in pairs).</summary>
    internal const int RowGrain = 8;

    /// <summary>
    /// Columns per item of a column region: a multiple of every vector width, so a block boundary
    /// never splits a vector and every column is summed exactly as a whole-width sweep would sum it.
    /// </summary>
    internal const int ColumnBlock = 256;

    /// <summary>
    /// The loops of one rank and element type, written once per generated file and shared by its
    /// kernels (the loops depend on r and T only; the kernels pass their sizes), with the passes of
    /// a LoRA forward and backward grouped into parallel regions.
    /// </summary>
    private static void WriteLowRankLoops(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary>");
        writer.Line($"/// The low-rank loops for r = {rank} on <see cref=\"{t}\"/>, unrolled over the rank: the {rank} dot products or");
        writer.Line("/// coefficients of a row live in registers while the loops run over the features in SIMD vectors.");
        writer.Line("/// Large pass groups run as <see cref=\"global::Peft.Generated.KernelParallel\"/> regions: row-wise products");
        writer.Line("/// split by blocks of rows, accumulations over rows by blocks of columns (each output element is");
        writer.Line("/// computed by one participant, in the single-threaded order: results do not depend on the thread count).");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file static class {LoopsName(t, rank)}"))
        {
            writer.Line("/// <summary>The rank r.</summary>");
            writer.Line($"public const int Rank = {rank};");
            writer.Line();
            writer.Line("/// <summary>Multiply-adds of a region below which it runs on the calling thread (waking a worker costs microseconds).</summary>");
            writer.Line($"public const long ParallelWork = {ParallelWorkLiteral};");
            writer.Line();
            writer.Line("/// <summary>Rows per chunk of a row region.</summary>");
            writer.Line($"public const int RowGrain = {RowGrain};");
            writer.Line();
            writer.Line("/// <summary>Columns per item of a column region (a multiple of every vector width).</summary>");
            writer.Line($"public const int ColumnBlock = {ColumnBlock};");
            writer.Line();
            WriteLoRAPasses(writer, t);
            writer.Line();
            WriteRegions(writer, t);
            writer.Line();
            WriteProjectDown(writer, t, rank);
            writer.Line();
            WriteProjectUp(writer, t, rank);
            writer.Line();
            WriteAccumulateOuter(writer, t, rank);
            writer.Line();
            WriteTransposes(writer, t, rank);
            writer.Line();
            WriteLoopHelpers(writer, t);
        }
    }

    /// <summary>The LoRA forward and backward over the regions, with the span checks every kernel needs.</summary>
    private static void WriteLoRAPasses(IndentedWriter writer, string t)
    {
        string spans = $"global::Peft.Generated.KernelSpans<{t}>";
        string run = "global::Peft.Generated.KernelParallel.Run";
        writer.Line("/// <summary>");
        writer.Line("/// LoRA forward of <paramref name=\"layer\"/>: <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>, one region over blocks of rows");
        writer.Line("/// (each row's two products run back to back on one thread).");
        writer.Line("/// </summary>");
        using (writer.OpenBlock(
            $"public static void Forward(string layer, {ReadOnlySpanName}<{t}> x, {ReadOnlySpanName}<{t}> a, {ReadOnlySpanName}<{t}> b, {t} scale, " +
            $"{SpanName}<{t}> xa, {SpanName}<{t}> y, ref {t}[] bTransposed, ref {t}[] aPadded, int batch, int inFeatures, int outFeatures)"))
        {
            writer.Line("CheckLength(layer, x.Length, batch * inFeatures, nameof(x));");
            writer.Line("CheckLength(layer, a.Length, Rank * inFeatures, nameof(a));");
            writer.Line("CheckLength(layer, b.Length, outFeatures * Rank, nameof(b));");
            writer.Line("CheckLength(layer, xa.Length, batch * Rank, nameof(xa));");
            writer.Line("CheckLength(layer, y.Length, batch * outFeatures, nameof(y));");
            writer.Line();
            writer.Line("int aStride = Stride(inFeatures), bStride = Stride(outFeatures);");
            writer.Line("Resize(ref bTransposed, Rank * bStride);");
            writer.Line("Transpose(b, bTransposed, outFeatures, bStride);");
            writer.Line($"{run}(new ForwardRows(inFeatures, outFeatures, aStride, bStride, scale),");
            using (writer.Indent())
            {
                writer.Line($"new {spans} {{ R0 = x, R1 = Rows(a, inFeatures, aStride, ref aPadded), R2 = bTransposed, W0 = xa, W1 = y }},");
            }

            using (writer.Indent())
            {
                writer.Line("batch, RowGrain, Participants((long)batch * Rank * (inFeatures + outFeatures)));");
            }
        }

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// LoRA backward of <paramref name=\"layer\"/> (empty gradient spans are skipped): one region over blocks of rows for");
        writer.Line("/// <c>g = dY·B</c> and <c>dX += s·g·A</c>, then one over blocks of columns for <c>dB += s·dYᵀ·xa</c> and <c>dA += s·gᵀ·x</c>.");
        writer.Line("/// </summary>");
        using (writer.OpenBlock(
            $"public static void Backward(string layer, {ReadOnlySpanName}<{t}> x, {ReadOnlySpanName}<{t}> dy, {ReadOnlySpanName}<{t}> a, " +
            $"{ReadOnlySpanName}<{t}> b, {ReadOnlySpanName}<{t}> xa, {t} scale, {SpanName}<{t}> dyB, {SpanName}<{t}> aGradient, " +
            $"{SpanName}<{t}> bGradient, {SpanName}<{t}> inputGradient, ref {t}[] bTransposed, ref {t}[] bGradientTransposed, ref {t}[] aPadded, " +
            "int batch, int inFeatures, int outFeatures)"))
        {
            writer.Line("CheckLength(layer, x.Length, batch * inFeatures, nameof(x));");
            writer.Line("CheckLength(layer, dy.Length, batch * outFeatures, nameof(dy));");
            writer.Line("CheckLength(layer, a.Length, Rank * inFeatures, nameof(a));");
            writer.Line("CheckLength(layer, b.Length, outFeatures * Rank, nameof(b));");
            writer.Line("CheckLength(layer, xa.Length, batch * Rank, nameof(xa));");
            writer.Line("CheckLength(layer, dyB.Length, batch * Rank, nameof(dyB));");
            writer.Line();
            writer.Line("int aStride = Stride(inFeatures), bStride = Stride(outFeatures), bBlocks = 0, aBlocks = 0;");
            using (writer.OpenBlock("if (!bGradient.IsEmpty)"))
            {
                writer.Line("CheckLength(layer, bGradient.Length, outFeatures * Rank, nameof(bGradient));");
                writer.Line("Resize(ref bGradientTransposed, Rank * bStride);");
                writer.Line("bBlocks = (outFeatures + ColumnBlock - 1) / ColumnBlock;");
            }

            using (writer.OpenBlock("if (!aGradient.IsEmpty)"))
            {
                writer.Line("CheckLength(layer, aGradient.Length, Rank * inFeatures, nameof(aGradient));");
                writer.Line("aBlocks = (inFeatures + ColumnBlock - 1) / ColumnBlock;");
            }

            using (writer.OpenBlock("if (!inputGradient.IsEmpty)"))
            {
                writer.Line("CheckLength(layer, inputGradient.Length, batch * inFeatures, nameof(inputGradient));");
            }

            writer.Line();
            using (writer.OpenBlock("if (!aGradient.IsEmpty || !inputGradient.IsEmpty)"))
            {
                writer.Line("// g[batch, Rank] = dY·B, and dX += s·g·A by the same rows.");
                writer.Line("Resize(ref bTransposed, Rank * bStride);");
                writer.Line("Transpose(b, bTransposed, outFeatures, bStride);");
                writer.Line("var aRows = inputGradient.IsEmpty ? a : Rows(a, inFeatures, aStride, ref aPadded);");
                writer.Line("long rowWork = (long)batch * Rank * (outFeatures + (inputGradient.IsEmpty ? 0 : inFeatures));");
                writer.Line($"{run}(new BackwardRows(inFeatures, outFeatures, aStride, bStride, scale),");
                using (writer.Indent())
                {
                    writer.Line($"new {spans} {{ R0 = dy, R1 = bTransposed, R2 = aRows, W0 = dyB, W1 = inputGradient }},");
                    writer.Line("batch, RowGrain, Participants(rowWork));");
                }
            }

            writer.Line();
            writer.Line("// dBᵀ[Rank, out] = s·xaᵀ·dY then dB[o, k] += dBᵀ[k, o] (column blocks [0, bBlocks)), and dA += s·gᵀ·x (the next aBlocks).");
            writer.Line("long columnWork = (long)batch * Rank * ((bBlocks == 0 ? 0 : outFeatures) + (aBlocks == 0 ? 0 : inFeatures));");
            writer.Line($"{run}(new ColumnGradients(inFeatures, outFeatures, bStride, batch, scale, bBlocks), new {spans}");
            using (writer.Indent())
            {
                writer.Line("{ R0 = xa, R1 = dy, R2 = dyB, R3 = x, W0 = bGradientTransposed, W1 = bGradient, W2 = aGradient },");
                writer.Line("bBlocks + aBlocks, 1, Participants(columnWork));");
            }
        }

        writer.Line();
        writer.Line("/// <summary>The merge of <paramref name=\"layer\"/>: <c>W[out, in] += scale·B·A</c> (scale = ±s), every row of W through <see cref=\"ProjectUp\"/>.</summary>");
        using (writer.OpenBlock(
            $"public static void AddDeltaWeight(string layer, {ReadOnlySpanName}<{t}> a, {ReadOnlySpanName}<{t}> b, {t} scale, {SpanName}<{t}> weight, int inFeatures, int outFeatures)"))
        {
            writer.Line("CheckLength(layer, a.Length, Rank * inFeatures, nameof(a));");
            writer.Line("CheckLength(layer, b.Length, outFeatures * Rank, nameof(b));");
            writer.Line("CheckLength(layer, weight.Length, outFeatures * inFeatures, nameof(weight));");
            writer.Line("ProjectUp(a, inFeatures, b, weight, scale, inFeatures, 0, outFeatures);");
        }

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// The row stride of a <c>[Rank, width]</c> scratch: the width, plus one cache line when rows a multiple of 2 KiB apart");
        writer.Line("/// would fall on the same few L1 sets (and alias the stores of the output rows: 1024 or 2048 wide loops ran 1.6x slower).");
        writer.Line("/// </summary>");
        writer.Line($"private static int Stride(int width) => width * sizeof({t}) % 2048 == 0 ? width + 64 / sizeof({t}) : width;");
        writer.Line();
        writer.Line("/// <summary>The rows of A <c>[Rank, width]</c> <paramref name=\"stride\"/> apart: A itself, or its copy in <paramref name=\"padded\"/>.</summary>");
        using (writer.OpenBlock($"private static {ReadOnlySpanName}<{t}> Rows({ReadOnlySpanName}<{t}> a, int width, int stride, ref {t}[] padded)"))
        {
            using (writer.OpenBlock("if (stride == width)"))
            {
                writer.Line("return a;");
            }

            writer.Line();
            writer.Line("Resize(ref padded, Rank * stride);");
            using (writer.OpenBlock("for (int k = 0; k < Rank; k++)"))
            {
                writer.Line($"a.Slice(k * width, width).CopyTo(new {SpanName}<{t}>(padded, k * stride, width));");
            }

            writer.Line();
            writer.Line("return padded;");
        }

        writer.Line();
        writer.Line("/// <summary>Every participant for a region of at least <see cref=\"ParallelWork\"/> multiply-adds, else only the calling thread.</summary>");
        writer.Line("private static int Participants(long work) => work >= ParallelWork ? global::Peft.Generated.KernelParallel.MaxParticipants : 1;");
    }

    /// <summary>The region bodies: structs, so <c>KernelParallel.Run</c> is specialized for each and nothing is boxed.</summary>
    private static void WriteRegions(IndentedWriter writer, string t)
    {
        string region = $"global::Peft.Generated.IKernelRegion<{t}>";
        string execute = $"public void Execute(int participant, int start, int end, in global::Peft.Generated.PinnedSpans<{t}> s)";

        writer.Line("/// <summary>Rows [start, end): <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>. Spans: R0 x, R1 A, R2 Bᵀ, W0 xa, W1 y.</summary>");
        using (writer.OpenBlock($"private readonly struct ForwardRows(int inFeatures, int outFeatures, int aStride, int bStride, {t} scale) : {region}"))
        {
            using (writer.OpenBlock(execute))
            {
                writer.Line("ProjectDown(s.R1, aStride, s.R0, s.W0, inFeatures, start, end);");
                writer.Line("ProjectUp(s.R2, bStride, s.W0, s.W1, scale, outFeatures, start, end);");
            }
        }

        writer.Line();
        writer.Line("/// <summary>Rows [start, end): <c>g = dY·B</c>, then <c>dX += s·g·A</c> when dX is wanted. Spans: R0 dY, R1 Bᵀ, R2 A, W0 g, W1 dX.</summary>");
        using (writer.OpenBlock($"private readonly struct BackwardRows(int inFeatures, int outFeatures, int aStride, int bStride, {t} scale) : {region}"))
        {
            using (writer.OpenBlock(execute))
            {
                writer.Line("ProjectDown(s.R1, bStride, s.R0, s.W0, outFeatures, start, end);");
                using (writer.OpenBlock("if (!s.W1.IsEmpty)"))
                {
                    writer.Line("ProjectUp(s.R2, aStride, s.W0, s.W1, scale, inFeatures, start, end);");
                }
            }
        }

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Column blocks [start, end): below <c>bBlocks</c>, columns of dBᵀ: <c>dBᵀ[:, c] = s·xaᵀ·dY[:, c]</c>, then");
        writer.Line("/// <c>dB[c, :] += dBᵀ[:, c]</c>; from <c>bBlocks</c> on, columns of dA: <c>dA[:, c] += s·gᵀ·x[:, c]</c>.");
        writer.Line("/// Every block sums all rows in order. Spans: R0 xa, R1 dY, R2 g, R3 x, W0 dBᵀ, W1 dB, W2 dA.");
        writer.Line("/// </summary>");
        using (writer.OpenBlock($"private readonly struct ColumnGradients(int inFeatures, int outFeatures, int bStride, int batch, {t} scale, int bBlocks) : {region}"))
        {
            using (writer.OpenBlock(execute))
            {
                using (writer.OpenBlock("for (int block = start; block < end; block++)"))
                {
                    using (writer.OpenBlock("if (block < bBlocks)"))
                    {
                        writer.Line("int first = block * ColumnBlock, last = global::System.Math.Min(outFeatures, first + ColumnBlock);");
                        using (writer.OpenBlock("for (int k = 0; k < Rank; k++)"))
                        {
                            writer.Line("s.W0.Slice(k * bStride + first, last - first).Clear();");
                        }

                        writer.Line("AccumulateOuter(s.R0, s.R1, s.W0, bStride, scale, outFeatures, batch, first, last);");
                        writer.Line("AddTransposed(s.W0, s.W1, bStride, first, last);");
                    }
                    using (writer.OpenBlock("else"))
                    {
                        writer.Line("int first = (block - bBlocks) * ColumnBlock;");
                        writer.Line("AccumulateOuter(s.R2, s.R3, s.W2, inFeatures, scale, inFeatures, batch, first, global::System.Math.Min(inFeatures, first + ColumnBlock));");
                    }
                }
            }
        }
    }

    /// <summary>The span length check and scratch resizing of the LoRA passes.</summary>
    private static void WriteLoopHelpers(IndentedWriter writer, string t)
    {
        writer.Line("/// <summary>Reallocates <paramref name=\"buffer\"/> when its length differs (once per shape: steady state allocates nothing).</summary>");
        using (writer.OpenBlock($"private static void Resize(ref {t}[] buffer, int length)"))
        {
            using (writer.OpenBlock("if (buffer.Length != length)"))
            {
                writer.Line($"buffer = new {t}[length];");
            }
        }

        writer.Line();
        writer.Line("/// <summary>The loops use unchecked references: every span is checked once, up front.</summary>");
        using (writer.OpenBlock("private static void CheckLength(string layer, int actual, int expected, string name)"))
        {
            using (writer.OpenBlock("if (actual != expected)"))
            {
                writer.Line("throw new global::System.ArgumentException($\"{layer}: span '{name}' has {actual} elements, expected {expected}.\", name);");
            }
        }
    }

    private static void WriteTransposes(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>bᵀ[k, o] = b[o, k]</c>: B <c>[out, Rank]</c> into <c>[Rank, out]</c> with rows <paramref name=\"stride\"/> apart.</summary>");
        using (writer.OpenBlock($"public static void Transpose({ReadOnlySpanName}<{t}> b, {SpanName}<{t}> transposed, int outFeatures, int stride)"))
        {
            writer.Line($"ref {t} source = ref {MemoryMarshalName}.GetReference(b);");
            writer.Line($"ref {t} target = ref {MemoryMarshalName}.GetReference(transposed);");
            using (writer.OpenBlock("for (int o = 0; o < outFeatures; o++)"))
            {
                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref source, o * Rank);");
                for (int k = 0; k < rank; k++)
                {
                    writer.Line($"{UnsafeName}.Add(ref target, {k} * stride + o) = {UnsafeName}.Add(ref row, {k});");
                }
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>b[o, k] += bᵀ[k, o]</c> for the outputs o in [first, last) (bᵀ rows <paramref name=\"stride\"/> apart).</summary>");
        using (writer.OpenBlock($"public static void AddTransposed({ReadOnlySpanName}<{t}> transposed, {SpanName}<{t}> b, int stride, int first, int last)"))
        {
            writer.Line($"ref {t} source = ref {MemoryMarshalName}.GetReference(transposed);");
            writer.Line($"ref {t} target = ref {MemoryMarshalName}.GetReference(b);");
            using (writer.OpenBlock("for (int o = first; o < last; o++)"))
            {
                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref target, o * Rank);");
                for (int k = 0; k < rank; k++)
                {
                    writer.Line($"{UnsafeName}.Add(ref row, {k}) += {UnsafeName}.Add(ref source, {k} * stride + o);");
                }
            }
        }
    }

    /// <summary>
    /// Rows handled per pass by <c>ProjectDown</c> / <c>ProjectUp</c>: two rows share every load of m
    /// (halving the loads per FMA) while their 2·r accumulators still fit the 32 vector registers.
    /// </summary>
    private static int RowsPerPass(int rank) => rank <= 12 ? 2 : 1;

    /// <summary>
    /// <c>ProjectDown</c>: <c>h[n, k] = Σ_j m[k, j]·v[n, j]</c>, one dot product per k, r accumulators per row.
    /// Used for <c>h = A·x</c> (forward) and <c>g = Bᵀ·dY</c> (backward, with m = Bᵀ).
    /// </summary>
    private static void WriteProjectDown(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>h[n, k] = Σ_j m[k, j]·v[n, j]</c> for the rows n in [start, end) and every k &lt; Rank (m is <c>[Rank, width]</c>, rows <paramref name=\"stride\"/> apart).</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void ProjectDown({ReadOnlySpanName}<{t}> m, int stride, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> h, int width, int start, int end)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "stride");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            WriteRowPasses(writer, RowsPerPass(rank), rows => WriteProjectDownRows(writer, t, rank, rows));
        }
    }

    /// <summary>A loop over the rows <paramref name="pass"/> at a time, then the remaining rows one by one.</summary>
    private static void WriteRowPasses(IndentedWriter writer, int pass, System.Action<int> body)
    {
        writer.Line("int n = start;");
        for (int rows = pass; rows >= 1; rows--)
        {
            using (writer.OpenBlock($"for (; n <= end - {rows}; n += {rows})"))
            {
                body(rows);
            }

            if (rows > 1)
            {
                writer.Line();
            }
        }
    }

    private static void WriteProjectDownRows(IndentedWriter writer, string t, int rank, int rows)
    {
        var passRows = Enumerable.Range(0, rows).ToList();
        foreach (int p in passRows)
        {
            writer.Line($"ref {t} row{p} = ref {UnsafeName}.Add(ref v0, (n + {p}) * width);");
            writer.Line($"{t} " + string.Join(", ", Ranks(rank).Select(k => $"s{p}_{k} = 0")) + ";");
        }

        writer.Line("int j = 0;");
        WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
        {
            foreach (int p in passRows)
            {
                writer.Line(string.Join(" ", Ranks(rank).Select(k => $"var acc{p}_{k} = {vector}<{t}>.Zero;")));
            }

            using (writer.OpenBlock(VectorLoop(vector, t)))
            {
                foreach (int p in passRows)
                {
                    writer.Line($"var x{p} = {vector}.LoadUnsafe(ref row{p}, (nuint)j);");
                }

                foreach (int k in Ranks(rank))
                {
                    writer.Line($"var m{k}j = {vector}.LoadUnsafe(ref m{k}, (nuint)j);");
                    foreach (int p in passRows)
                    {
                        writer.Line($"acc{p}_{k} = {vector}.FusedMultiplyAdd(m{k}j, x{p}, acc{p}_{k});");
                    }
                }
            }

            foreach (int p in passRows)
            {
                writer.Line(string.Join(" ", Ranks(rank).Select(k => $"s{p}_{k} = {vector}.Sum(acc{p}_{k});")));
            }
        });

        writer.Line();
        using (writer.OpenBlock("for (; j < width; j++)"))
        {
            foreach (int p in passRows)
            {
                writer.Line($"{t} x{p} = {UnsafeName}.Add(ref row{p}, j);");
            }

            foreach (int k in Ranks(rank))
            {
                foreach (int p in passRows)
                {
                    writer.Line($"s{p}_{k} += {UnsafeName}.Add(ref m{k}, j) * x{p};");
                }
            }
        }

        writer.Line();
        foreach (int p in passRows)
        {
            writer.Line($"ref {t} hRow{p} = ref {UnsafeName}.Add(ref h0, (n + {p}) * Rank);");
            foreach (int k in Ranks(rank))
            {
                writer.Line($"{UnsafeName}.Add(ref hRow{p}, {k}) = s{p}_{k};");
            }
        }
    }

    /// <summary>
    /// <c>ProjectUp</c>: <c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c>, r broadcast coefficients per row.
    /// Used for <c>y += s·B·h</c> (m = Bᵀ) and <c>dx += s·Aᵀ·g</c>.
    /// </summary>
    private static void WriteProjectUp(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c> for the rows n in [start, end) (m is <c>[Rank, width]</c>, rows <paramref name=\"stride\"/> apart; h is <c>[batch, Rank]</c>).</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void ProjectUp({ReadOnlySpanName}<{t}> m, int stride, {ReadOnlySpanName}<{t}> h, {SpanName}<{t}> y, {t} scale, int width, int start, int end)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "stride");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            writer.Line($"ref {t} y0 = ref {MemoryMarshalName}.GetReference(y);");
            WriteRowPasses(writer, RowsPerPass(rank), rows => WriteProjectUpRows(writer, t, rank, rows));
        }
    }

    private static void WriteProjectUpRows(IndentedWriter writer, string t, int rank, int rows)
    {
        var passRows = Enumerable.Range(0, rows).ToList();
        foreach (int p in passRows)
        {
            writer.Line($"ref {t} hRow{p} = ref {UnsafeName}.Add(ref h0, (n + {p}) * Rank);");
            foreach (int k in Ranks(rank))
            {
                writer.Line($"{t} c{p}_{k} = scale * {UnsafeName}.Add(ref hRow{p}, {k});");
            }

            writer.Line($"ref {t} row{p} = ref {UnsafeName}.Add(ref y0, (n + {p}) * width);");
        }

        writer.Line("int j = 0;");
        WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
        {
            foreach (int p in passRows)
            {
                writer.Line(string.Join(" ", Ranks(rank).Select(k => $"var b{p}_{k} = {vector}.Create(c{p}_{k});")));
            }

            using (writer.OpenBlock(VectorLoop(vector, t)))
            {
                foreach (int p in passRows)
                {
                    writer.Line($"var acc{p} = {vector}.LoadUnsafe(ref row{p}, (nuint)j);");
                }

                foreach (int k in Ranks(rank))
                {
                    writer.Line($"var m{k}j = {vector}.LoadUnsafe(ref m{k}, (nuint)j);");
                    foreach (int p in passRows)
                    {
                        writer.Line($"acc{p} = {vector}.FusedMultiplyAdd(m{k}j, b{p}_{k}, acc{p});");
                    }
                }

                foreach (int p in passRows)
                {
                    writer.Line($"{vector}.StoreUnsafe(acc{p}, ref row{p}, (nuint)j);");
                }
            }
        });

        writer.Line();
        using (writer.OpenBlock("for (; j < width; j++)"))
        {
            foreach (int p in passRows)
            {
                writer.Line($"{UnsafeName}.Add(ref row{p}, j) += " +
                    string.Join(" + ", Ranks(rank).Select(k => $"c{p}_{k} * {UnsafeName}.Add(ref m{k}, j)")) + ";");
            }
        }
    }

    /// <summary>
    /// <c>AccumulateOuter</c>: <c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c>, r accumulators per column block.
    /// Used for <c>dA += s·g·xᵀ</c> and <c>dBᵀ += s·h·dYᵀ</c>. The rows are taken in blocks of
    /// <c>RowBlock</c>: few enough concurrent strided streams for the hardware prefetcher, and the
    /// column blocks of g are read and written once per row block only.
    /// </summary>
    private static void WriteAccumulateOuter(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary>");
        writer.Line("/// <c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c> for the columns j in [first, last) (g is <c>[Rank, width]</c>, rows <paramref name=\"stride\"/> apart; h is <c>[batch, Rank]</c>;");
        writer.Line("/// v is <c>[batch, width]</c>); <paramref name=\"first\"/> is a multiple of the vector width, so a column's sum does not depend on the range.");
        writer.Line("/// </summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void AccumulateOuter({ReadOnlySpanName}<{t}> h, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> g, int stride, {t} scale, int width, int batch, int first, int last)"))
        {
            writer.Line("const int RowBlock = 16;");
            WriteRowReferences(writer, t, "g", "g", rank, "stride");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            using (writer.OpenBlock("for (int rowStart = 0; rowStart < batch; rowStart += RowBlock)"))
            {
                writer.Line("int rowEnd = global::System.Math.Min(batch, rowStart + RowBlock);");
                writer.Line("int j = first;");
                WriteVectorPaths(writer, t, fullVectorOnly: false, vector =>
                {
                    writer.Line($"var scaleVector = {vector}.Create(scale);");
                    using (writer.OpenBlock(VectorLoop(vector, t, "last")))
                    {
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"var acc{k} = {vector}<{t}>.Zero;");
                        }

                        using (writer.OpenBlock("for (int n = rowStart; n < rowEnd; n++)"))
                        {
                            writer.Line($"var x = {vector}.LoadUnsafe(ref v0, (nuint)(n * width + j));");
                            writer.Line($"ref {t} hRow = ref {UnsafeName}.Add(ref h0, n * Rank);");
                            foreach (int k in Ranks(rank))
                            {
                                writer.Line($"acc{k} = {vector}.FusedMultiplyAdd({vector}.Create({UnsafeName}.Add(ref hRow, {k})), x, acc{k});");
                            }
                        }

                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"{vector}.StoreUnsafe({vector}.FusedMultiplyAdd(acc{k}, scaleVector, {vector}.LoadUnsafe(ref g{k}, (nuint)j)), ref g{k}, (nuint)j);");
                        }
                    }
                });

                writer.Line();
                using (writer.OpenBlock("for (; j < last; j++)"))
                {
                    writer.Line($"{t} " + string.Join(", ", Ranks(rank).Select(k => $"s{k} = 0")) + ";");
                    using (writer.OpenBlock("for (int n = rowStart; n < rowEnd; n++)"))
                    {
                        writer.Line($"{t} x = {UnsafeName}.Add(ref v0, n * width + j);");
                        writer.Line($"ref {t} hRow = ref {UnsafeName}.Add(ref h0, n * Rank);");
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"s{k} += {UnsafeName}.Add(ref hRow, {k}) * x;");
                        }
                    }

                    foreach (int k in Ranks(rank))
                    {
                        writer.Line($"{UnsafeName}.Add(ref g{k}, j) += scale * s{k};");
                    }
                }
            }
        }
    }
}
