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
    private static string VectorLoop(string vector, string t) => $"for (; j <= width - {vector}<{t}>.Count; j += {vector}<{t}>.Count)";

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
    /// The loops of one rank and element type, written once per generated file and shared by its
    /// kernels (the loops depend on r and T only; the kernels pass their sizes).
    /// </summary>
    private static void WriteLowRankLoops(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary>");
        writer.Line($"/// The low-rank loops for r = {rank} on <see cref=\"{t}\"/>, unrolled over the rank: the {rank} dot products or");
        writer.Line("/// coefficients of a row live in registers while the loops run over the features in SIMD vectors.");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file static class {LoopsName(t, rank)}"))
        {
            writer.Line("/// <summary>The rank r.</summary>");
            writer.Line($"public const int Rank = {rank};");
            writer.Line();
            WriteProjectDown(writer, t, rank);
            writer.Line();
            WriteProjectUp(writer, t, rank);
            writer.Line();
            WriteAccumulateOuter(writer, t, rank);
            writer.Line();
            WriteTransposes(writer, t, rank);
        }
    }

    private static void WriteTransposes(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>bᵀ[k, o] = b[o, k]</c>: B <c>[out, Rank]</c> into <c>[Rank, out]</c>.</summary>");
        using (writer.OpenBlock($"public static void Transpose({ReadOnlySpanName}<{t}> b, {SpanName}<{t}> transposed, int outFeatures)"))
        {
            writer.Line($"ref {t} source = ref {MemoryMarshalName}.GetReference(b);");
            writer.Line($"ref {t} target = ref {MemoryMarshalName}.GetReference(transposed);");
            using (writer.OpenBlock("for (int o = 0; o < outFeatures; o++)"))
            {
                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref source, o * Rank);");
                for (int k = 0; k < rank; k++)
                {
                    writer.Line($"{UnsafeName}.Add(ref target, {k} * outFeatures + o) = {UnsafeName}.Add(ref row, {k});");
                }
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>b[o, k] += bᵀ[k, o]</c>.</summary>");
        using (writer.OpenBlock($"public static void AddTransposed({ReadOnlySpanName}<{t}> transposed, {SpanName}<{t}> b, int outFeatures)"))
        {
            writer.Line($"ref {t} source = ref {MemoryMarshalName}.GetReference(transposed);");
            writer.Line($"ref {t} target = ref {MemoryMarshalName}.GetReference(b);");
            using (writer.OpenBlock("for (int o = 0; o < outFeatures; o++)"))
            {
                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref target, o * Rank);");
                for (int k = 0; k < rank; k++)
                {
                    writer.Line($"{UnsafeName}.Add(ref row, {k}) += {UnsafeName}.Add(ref source, {k} * outFeatures + o);");
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
        writer.Line("/// <summary><c>h[n, k] = Σ_j m[k, j]·v[n, j]</c> for every row n and every k &lt; Rank (m is <c>[Rank, width]</c>).</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void ProjectDown({ReadOnlySpanName}<{t}> m, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> h, int width, int batch)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "width");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            WriteRowPasses(writer, RowsPerPass(rank), rows => WriteProjectDownRows(writer, t, rank, rows));
        }
    }

    /// <summary>A loop over the rows <paramref name="pass"/> at a time, then the remaining rows one by one.</summary>
    private static void WriteRowPasses(IndentedWriter writer, int pass, System.Action<int> body)
    {
        writer.Line("int n = 0;");
        for (int rows = pass; rows >= 1; rows--)
        {
            using (writer.OpenBlock($"for (; n <= batch - {rows}; n += {rows})"))
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
        writer.Line("/// <summary><c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c> for every row n (m is <c>[Rank, width]</c>, h is <c>[batch, Rank]</c>).</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void ProjectUp({ReadOnlySpanName}<{t}> m, {ReadOnlySpanName}<{t}> h, {SpanName}<{t}> y, {t} scale, int width, int batch)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "width");
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
        writer.Line("/// <summary><c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c> (g is <c>[Rank, width]</c>, h is <c>[batch, Rank]</c>, v is <c>[batch, width]</c>).</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"public static void AccumulateOuter({ReadOnlySpanName}<{t}> h, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> g, {t} scale, int width, int batch)"))
        {
            writer.Line("const int RowBlock = 16;");
            WriteRowReferences(writer, t, "g", "g", rank, "width");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            using (writer.OpenBlock("for (int first = 0; first < batch; first += RowBlock)"))
            {
                writer.Line("int end = global::System.Math.Min(batch, first + RowBlock);");
                writer.Line("int j = 0;");
                WriteVectorPaths(writer, t, fullVectorOnly: false, vector =>
                {
                    writer.Line($"var scaleVector = {vector}.Create(scale);");
                    using (writer.OpenBlock(VectorLoop(vector, t)))
                    {
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"var acc{k} = {vector}<{t}>.Zero;");
                        }

                        using (writer.OpenBlock("for (int n = first; n < end; n++)"))
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
                using (writer.OpenBlock("for (; j < width; j++)"))
                {
                    writer.Line($"{t} " + string.Join(", ", Ranks(rank).Select(k => $"s{k} = 0")) + ";");
                    using (writer.OpenBlock("for (int n = first; n < end; n++)"))
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
