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

    private static string Vector(string width) => "global::System.Runtime.Intrinsics." + width;

    private static IEnumerable<int> Ranks(int rank) => Enumerable.Range(0, rank);

    /// <summary><c>ref T m{k} = ref Unsafe.Add(ref m0, k·width)</c> for every k: the rows of an <c>[r, width]</c> matrix.</summary>
    private static void WriteRowReferences(IndentedWriter writer, string element, string matrix, string span, int rank, string width)
    {
        writer.Line($"ref {element} {matrix}0 = ref {MemoryMarshalName}.GetReference({span});");
        for (int k = 1; k < rank; k++)
        {
            writer.Line($"ref {element} {matrix}{k} = ref {UnsafeName}.Add(ref {matrix}0, {k} * {width});");
        }
    }

    /// <summary>
    /// <c>ProjectDown</c>: <c>h[n, k] = Σ_j m[k, j]·v[n, j]</c>, one dot product per k, r accumulators.
    /// Used for <c>h = A·x</c> (forward) and <c>g = Bᵀ·dY</c> (backward, with m = Bᵀ).
    /// </summary>
    private static void WriteProjectDown(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>h[n, k] = Σ_j m[k, j]·v[n, j]</c> for every row n and every k &lt; Rank (m is <c>[Rank, width]</c>).</summary>");
        using (writer.OpenBlock($"private static void ProjectDown({ReadOnlySpanName}<{t}> m, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> h, int width, int batch)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "width");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref v0, n * width);");
                writer.Line($"{t} " + string.Join(", ", Ranks(rank).Select(k => $"s{k} = 0")) + ";");
                writer.Line("int j = 0;");
                for (int w = 0; w < VectorWidths.Length; w++)
                {
                    string vector = Vector(VectorWidths[w]);
                    string header = (w == 0 ? "if" : "else if") + $" ({vector}.IsHardwareAccelerated && width >= {vector}<{t}>.Count)";
                    using (writer.OpenBlock(header))
                    {
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"var acc{k} = {vector}<{t}>.Zero;");
                        }

                        using (writer.OpenBlock($"for (; j <= width - {vector}<{t}>.Count; j += {vector}<{t}>.Count)"))
                        {
                            writer.Line($"var x = {vector}.LoadUnsafe(ref row, (nuint)j);");
                            foreach (int k in Ranks(rank))
                            {
                                writer.Line($"acc{k} = {vector}.FusedMultiplyAdd({vector}.LoadUnsafe(ref m{k}, (nuint)j), x, acc{k});");
                            }
                        }

                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"s{k} = {vector}.Sum(acc{k});");
                        }
                    }
                }

                writer.Line();
                using (writer.OpenBlock("for (; j < width; j++)"))
                {
                    writer.Line($"{t} x = {UnsafeName}.Add(ref row, j);");
                    foreach (int k in Ranks(rank))
                    {
                        writer.Line($"s{k} += {UnsafeName}.Add(ref m{k}, j) * x;");
                    }
                }

                writer.Line();
                writer.Line($"ref {t} hRow = ref {UnsafeName}.Add(ref h0, n * Rank);");
                foreach (int k in Ranks(rank))
                {
                    writer.Line($"{UnsafeName}.Add(ref hRow, {k}) = s{k};");
                }
            }
        }
    }

    /// <summary>
    /// <c>ProjectUp</c>: <c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c>, r broadcast coefficients per row.
    /// Used for <c>y += s·B·h</c> (m = Bᵀ), <c>dx += s·Aᵀ·g</c> and the merge <c>W += s·B·A</c>.
    /// </summary>
    private static void WriteProjectUp(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c> for every row n (m is <c>[Rank, width]</c>, h is <c>[batch, Rank]</c>).</summary>");
        using (writer.OpenBlock($"private static void ProjectUp({ReadOnlySpanName}<{t}> m, {ReadOnlySpanName}<{t}> h, {SpanName}<{t}> y, {t} scale, int width, int batch)"))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "width");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            writer.Line($"ref {t} y0 = ref {MemoryMarshalName}.GetReference(y);");
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line($"ref {t} hRow = ref {UnsafeName}.Add(ref h0, n * Rank);");
                foreach (int k in Ranks(rank))
                {
                    writer.Line($"{t} c{k} = scale * {UnsafeName}.Add(ref hRow, {k});");
                }

                writer.Line($"ref {t} row = ref {UnsafeName}.Add(ref y0, n * width);");
                writer.Line("int j = 0;");
                for (int w = 0; w < VectorWidths.Length; w++)
                {
                    string vector = Vector(VectorWidths[w]);
                    string header = (w == 0 ? "if" : "else if") + $" ({vector}.IsHardwareAccelerated && width >= {vector}<{t}>.Count)";
                    using (writer.OpenBlock(header))
                    {
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"var b{k} = {vector}.Create(c{k});");
                        }

                        using (writer.OpenBlock($"for (; j <= width - {vector}<{t}>.Count; j += {vector}<{t}>.Count)"))
                        {
                            writer.Line($"var acc = {vector}.LoadUnsafe(ref row, (nuint)j);");
                            foreach (int k in Ranks(rank))
                            {
                                writer.Line($"acc = {vector}.FusedMultiplyAdd({vector}.LoadUnsafe(ref m{k}, (nuint)j), b{k}, acc);");
                            }

                            writer.Line($"{vector}.StoreUnsafe(acc, ref row, (nuint)j);");
                        }
                    }
                }

                writer.Line();
                using (writer.OpenBlock("for (; j < width; j++)"))
                {
                    writer.Line($"{UnsafeName}.Add(ref row, j) += " +
                        string.Join(" + ", Ranks(rank).Select(k => $"c{k} * {UnsafeName}.Add(ref m{k}, j)")) + ";");
                }
            }
        }
    }

    /// <summary>
    /// <c>AccumulateOuter</c>: <c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c>, r accumulators per column block.
    /// Used for <c>dA += s·g·xᵀ</c> and <c>dBᵀ += s·h·dYᵀ</c>.
    /// </summary>
    private static void WriteAccumulateOuter(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary><c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c> (g is <c>[Rank, width]</c>, h is <c>[batch, Rank]</c>, v is <c>[batch, width]</c>).</summary>");
        using (writer.OpenBlock($"private static void AccumulateOuter({ReadOnlySpanName}<{t}> h, {ReadOnlySpanName}<{t}> v, {SpanName}<{t}> g, {t} scale, int width, int batch)"))
        {
            WriteRowReferences(writer, t, "g", "g", rank, "width");
            writer.Line($"ref {t} h0 = ref {MemoryMarshalName}.GetReference(h);");
            writer.Line($"ref {t} v0 = ref {MemoryMarshalName}.GetReference(v);");
            writer.Line("int j = 0;");
            for (int w = 0; w < VectorWidths.Length; w++)
            {
                string vector = Vector(VectorWidths[w]);
                string header = (w == 0 ? "if" : "else if") + $" ({vector}.IsHardwareAccelerated)";
                using (writer.OpenBlock(header))
                {
                    writer.Line($"var scaleVector = {vector}.Create(scale);");
                    using (writer.OpenBlock($"for (; j <= width - {vector}<{t}>.Count; j += {vector}<{t}>.Count)"))
                    {
                        foreach (int k in Ranks(rank))
                        {
                            writer.Line($"var acc{k} = {vector}<{t}>.Zero;");
                        }

                        using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
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
                }
            }

            writer.Line();
            using (writer.OpenBlock("for (; j < width; j++)"))
            {
                writer.Line($"{t} " + string.Join(", ", Ranks(rank).Select(k => $"s{k} = 0")) + ";");
                using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
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
