using System.Collections.Generic;
using System.Linq;
using Peft.Generators.Helpers;
using Peft.Generators.Models;

namespace Peft.Generators;

/// <summary>
/// Writers of the loop shapes every low-rank kernel is made of. Each is unrolled over the constant
/// rank r — r accumulators or r broadcast coefficients live in registers, there is no loop over r —
/// and vectorized over the feature dimension. The vector width is a type parameter (an
/// <c>ISimd</c> struct of the runtime), so each loop is written once and the JIT compiles it for
/// Vector512 and Vector256; a scalar tail follows. The LoRA passes over these loops, their parallel
/// regions and span checks are the runtime's <c>LowRankPasses</c>.
/// </summary>
public sealed partial class PeftGenerator
{
    internal const string UnsafeName = "global::System.Runtime.CompilerServices.Unsafe";
    internal const string MemoryMarshalName = "global::System.Runtime.InteropServices.MemoryMarshal";
    internal const string SpanName = "global::System.Span";
    internal const string ReadOnlySpanName = "global::System.ReadOnlySpan";

    /// <summary>The hint name of the one file that holds every rank's loops of a compilation.</summary>
    internal const string LowRankLoopsHintName = "Peft.Generated.LowRankLoops.g.cs";

    // The loops file imports System, Unsafe, MemoryMarshal and the vector types inside its namespace, so
    // its loops read like hand-written code; the model files name everything global::-qualified.
    private const string LoopUnsafe = "Unsafe";
    private const string LoopMemoryMarshal = "MemoryMarshal";

    /// <summary>Hot loops are compiled fully optimized at once (no tier-0 / OSR code in the first steps).</summary>
    private const string AggressiveOptimization = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    /// <summary>The vector width type parameter of a loop, an <c>ISimd&lt;T, V&gt;</c> struct.</summary>
    private const string Simd = "S";

    private static IEnumerable<int> Ranks(int rank) => Enumerable.Range(0, rank);

    /// <summary>Row n + p of a pass (<c>n</c> for the first).</summary>
    private static string RowOffset(int p) => p == 0 ? "n" : $"(n + {p})";

    /// <summary>
    /// The SIMD path of a loop, at the width <c>S</c> when it runs in hardware; what it leaves over runs in
    /// the scalar tail the caller writes after it.
    /// </summary>
    private static void WriteVectorPath(IndentedWriter writer, bool fullVectorOnly, System.Action<string> body)
    {
        string guard = fullVectorOnly ? $" && width >= {Simd}.Count" : "";
        using (writer.OpenBlock($"if ({Simd}.IsHardwareAccelerated{guard})"))
        {
            body(Simd);
        }
    }

    /// <summary>The loop over whole vectors of the feature dimension.</summary>
    private static string VectorLoop(string vector, string end = "width") => $"for (; j <= {end} - {vector}.Count; j += {vector}.Count)";

    /// <summary><c>ref T m{k} = ref Unsafe.Add(ref m0, k·width)</c> for every k: the rows of an <c>[r, width]</c> matrix.</summary>
    private static void WriteRowReferences(IndentedWriter writer, string element, string matrix, string span, int rank, string width)
    {
        writer.Line($"ref {element} {matrix}0 = ref {LoopMemoryMarshal}.GetReference({span});");
        for (int k = 1; k < rank; k++)
        {
            writer.Line($"ref {element} {matrix}{k} = ref {LoopUnsafe}.Add(ref {matrix}0, {k} * {width});");
        }
    }

    /// <summary>The name of the loops struct of one rank and element type, shared by every kernel of a compilation.</summary>
    internal static string LoopsName(string t, int rank) => $"Rank{rank}{(t == "float" ? "Single" : "Double")}Loops";

    /// <summary>
    /// Multiply-adds of a pass group (one parallel region) below which it runs on the calling thread.
    /// Waking the second core costs about ten microseconds (an event set, the worker's wake-up, the
    /// closing handshake) while one core does about twenty multiply-adds per nanosecond here, so a
    /// region pays off from roughly a million multiply-adds: 64×768×768×8 (0.8 M per group) stays on
    /// the calling thread, 512×1024×1024×8 (8.4 M) and 256×2048×2048×16 (16.8 M) use both cores.
    /// The runtime's <c>LowRankPasses</c> and <c>MoRAKernelBase</c> use the same threshold.
    /// </summary>
    public const long ParallelWork = 2_000_000;

    /// <summary>
    /// The largest rank the loops are unrolled for. From the next rank on the runtime's packed GEMM is faster at every
    /// measured batch (the runtime's <c>LowRankCrossover.GeneratedLoopsMaxRank</c>, kept equal by a test), so a kernel of a
    /// larger rank calls <c>LowRankGemmPasses</c> and no loops are emitted for it (an r-way unroll would not fit the registers).
    /// </summary>
    public const int MaxUnrolledRank = 15;

    /// <summary>
    /// The one generated file of low-rank loops: a struct per (rank, element type) that any LoRA or LoRA+
    /// layer of the compilation uses, in a fixed order, whatever the number of models.
    /// </summary>
    private static string EmitLowRankLoopsSource(EquatableArray<LowRankLoopKey> keys, System.Threading.CancellationToken token) =>
        EmitLowRankLoopsSource(keys, "Peft.Generated", "the rank-unrolled loops of this compilation's LoRA and LoRA+ layers.", token);

    /// <summary>The ranks whose float loops the runtime ships, for adapters attached without generated kernels.</summary>
    public static readonly int[] ShippedLoopRanks = [1, 2, 4, 8];

    /// <summary>The namespace of the runtime's copy (inside <c>Peft.Generated</c>, so the loops see its types unqualified).</summary>
    public const string ShippedLoopsNamespace = "Peft.Generated.Shipped";

    /// <summary>
    /// The runtime's file of shipped loops (<c>src/Peft.Runtime/Methods/LoRA/ShippedLowRankLoops.g.cs</c>): this emitter's
    /// output for <see cref="ShippedLoopRanks"/>, checked in and kept equal to it by a test, so the loops have one source.
    /// </summary>
    public static string EmitShippedLowRankLoops() =>
        EmitLowRankLoopsSource(
            new EquatableArray<LowRankLoopKey>(ShippedLoopRanks.Select(static rank => new LowRankLoopKey("float", rank)).ToArray()),
            ShippedLoopsNamespace,
            "the rank-unrolled float loops the runtime ships for LoRA adapters attached without generated kernels (RuntimeLoRAKernel).",
            System.Threading.CancellationToken.None);

    private static string EmitLowRankLoopsSource(
        EquatableArray<LowRankLoopKey> keys, string @namespace, string purpose, System.Threading.CancellationToken token)
    {
        var writer = new IndentedWriter();
        writer.Line("// <auto-generated/>");
        writer.Line($"// Generated by {GeneratorName}: {purpose}");
        writer.Line("#nullable enable");
        writer.Line();
        writer.Line($"namespace {@namespace};");
        writer.Line();
        writer.Line("using System;");
        writer.Line("using System.Runtime.CompilerServices;");
        writer.Line("using System.Runtime.InteropServices;");
        writer.Line("using System.Runtime.Intrinsics;");
        foreach (LowRankLoopKey key in keys)
        {
            token.ThrowIfCancellationRequested();
            writer.Line();
            WriteLowRankLoops(writer, key.ElementType, key.Rank);
        }

        return writer.ToString();
    }

    /// <summary>
    /// The loops of one rank and element type (they depend on r and T only; the kernels pass their sizes),
    /// as the <c>ILowRankLoops</c> struct the runtime's <c>LowRankPasses</c> runs the LoRA passes over.
    /// </summary>
    private static void WriteLowRankLoops(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary>");
        writer.Line($"/// The low-rank loops for r = {rank} on <see cref=\"{t}\"/>, unrolled over the rank: the {rank} dot products");
        writer.Line("/// or coefficients of a row live in registers while the loops run over the features in SIMD vectors.");
        writer.Line("/// Each vector loop is generic over its width <c>S</c>: one text, compiled for Vector512 and Vector256.");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"internal readonly struct {LoopsName(t, rank)} : ILowRankLoops<{t}>"))
        {
            writer.Line("/// <summary>The rank r.</summary>");
            writer.Line($"public static int Rank => {rank};");
            writer.Line();
            WriteProjectDown(writer, t, rank);
            writer.Line();
            WriteProjectUp(writer, t, rank);
            writer.Line();
            WriteAccumulateOuter(writer, t, rank);
        }
    }

    /// <summary>
    /// The head of the loop <paramref name="name"/>, generic over its vector width <c>S</c> (the runtime's
    /// <c>LowRankPasses</c> picks Vector512 or Vector256); the caller writes the body inside the returned block.
    /// </summary>
    private static IndentedWriter.Block OpenWidthGenericLoop(IndentedWriter writer, string t, string name, string[] parameters)
    {
        writer.Line(AggressiveOptimization);
        writer.Call($"public static void {name}<S, V>", parameters);
        using (writer.Indent())
        {
            writer.Line($"where S : struct, ISimd<{t}, V>");
            writer.Line("where V : struct");
        }

        return writer.OpenBlock();
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
        writer.Line("/// <summary>");
        writer.Line("/// <c>h[n, k] = Σ_j m[k, j]·v[n, j]</c> for the rows n in [start, end) and every k &lt; Rank");
        writer.Line("/// (m is <c>[Rank, width]</c>, rows <paramref name=\"stride\"/> apart).");
        writer.Line("/// </summary>");
        using (OpenWidthGenericLoop(writer, t, "ProjectDown",
            [$"ReadOnlySpan<{t}> m", "int stride", $"ReadOnlySpan<{t}> v", $"Span<{t}> h", "int width", "int start", "int end"]))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "stride");
            writer.Line($"ref {t} v0 = ref {LoopMemoryMarshal}.GetReference(v);");
            writer.Line($"ref {t} h0 = ref {LoopMemoryMarshal}.GetReference(h);");
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
            writer.Line($"ref {t} row{p} = ref {LoopUnsafe}.Add(ref v0, {RowOffset(p)} * width);");
            writer.Expression($"{t} ", Ranks(rank).Select(k => $"s{p}_{k} = 0").ToList(), ", ", ";");
        }

        writer.Line("int j = 0;");
        WriteVectorPath(writer, fullVectorOnly: true, vector =>
        {
            foreach (int p in passRows)
            {
                writer.Statements(Ranks(rank).Select(k => $"var acc{p}_{k} = {vector}.Zero;"));
            }

            using (writer.OpenBlock(VectorLoop(vector)))
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
                writer.Statements(Ranks(rank).Select(k => $"s{p}_{k} = {vector}.Sum(acc{p}_{k});"));
            }
        });

        writer.Line();
        using (writer.OpenBlock("for (; j < width; j++)"))
        {
            foreach (int p in passRows)
            {
                writer.Line($"{t} x{p} = {LoopUnsafe}.Add(ref row{p}, j);");
            }

            foreach (int k in Ranks(rank))
            {
                foreach (int p in passRows)
                {
                    writer.Line($"s{p}_{k} += {LoopUnsafe}.Add(ref m{k}, j) * x{p};");
                }
            }
        }

        writer.Line();
        foreach (int p in passRows)
        {
            writer.Line($"ref {t} hRow{p} = ref {LoopUnsafe}.Add(ref h0, {RowOffset(p)} * Rank);");
            writer.Statements(Ranks(rank).Select(k => $"{LoopUnsafe}.Add(ref hRow{p}, {k}) = s{p}_{k};"));
        }
    }

    /// <summary>
    /// <c>ProjectUp</c>: <c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c>, r broadcast coefficients per row.
    /// Used for <c>y += s·B·h</c> (m = Bᵀ) and <c>dx += s·Aᵀ·g</c>.
    /// </summary>
    private static void WriteProjectUp(IndentedWriter writer, string t, int rank)
    {
        writer.Line("/// <summary>");
        writer.Line("/// <c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c> for the rows n in [start, end)");
        writer.Line("/// (m is <c>[Rank, width]</c>, rows <paramref name=\"stride\"/> apart; h is <c>[batch, Rank]</c>).");
        writer.Line("/// </summary>");
        using (OpenWidthGenericLoop(writer, t, "ProjectUp",
            [$"ReadOnlySpan<{t}> m", "int stride", $"ReadOnlySpan<{t}> h", $"Span<{t}> y", $"{t} scale", "int width", "int start", "int end"]))
        {
            WriteRowReferences(writer, t, "m", "m", rank, "stride");
            writer.Line($"ref {t} h0 = ref {LoopMemoryMarshal}.GetReference(h);");
            writer.Line($"ref {t} y0 = ref {LoopMemoryMarshal}.GetReference(y);");
            WriteRowPasses(writer, RowsPerPass(rank), rows => WriteProjectUpRows(writer, t, rank, rows));
        }
    }

    private static void WriteProjectUpRows(IndentedWriter writer, string t, int rank, int rows)
    {
        var passRows = Enumerable.Range(0, rows).ToList();
        foreach (int p in passRows)
        {
            writer.Line($"ref {t} hRow{p} = ref {LoopUnsafe}.Add(ref h0, {RowOffset(p)} * Rank);");
            writer.Statements(Ranks(rank).Select(k => $"{t} c{p}_{k} = scale * {LoopUnsafe}.Add(ref hRow{p}, {k});"));

            writer.Line($"ref {t} row{p} = ref {LoopUnsafe}.Add(ref y0, {RowOffset(p)} * width);");
        }

        writer.Line("int j = 0;");
        WriteVectorPath(writer, fullVectorOnly: true, vector =>
        {
            foreach (int p in passRows)
            {
                writer.Statements(Ranks(rank).Select(k => $"var b{p}_{k} = {vector}.Create(c{p}_{k});"));
            }

            using (writer.OpenBlock(VectorLoop(vector)))
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
                writer.Expression($"{LoopUnsafe}.Add(ref row{p}, j) += ",
                    Ranks(rank).Select(k => $"c{p}_{k} * {LoopUnsafe}.Add(ref m{k}, j)").ToList(), " + ", ";");
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
        writer.Line("/// <c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c> for the columns j in [first, last) (g is <c>[Rank, width]</c>,");
        writer.Line("/// rows <paramref name=\"stride\"/> apart; h is <c>[batch, Rank]</c>; v is <c>[batch, width]</c>); <paramref name=\"first\"/>");
        writer.Line("/// is a multiple of the vector width, so a column's sum does not depend on the range.");
        writer.Line("/// </summary>");
        using (OpenWidthGenericLoop(writer, t, "AccumulateOuter",
            [$"ReadOnlySpan<{t}> h", $"ReadOnlySpan<{t}> v", $"Span<{t}> g", "int stride", $"{t} scale", "int width", "int batch", "int first", "int last"]))
        {
            writer.Line("const int RowBlock = 16;");
            WriteRowReferences(writer, t, "g", "g", rank, "stride");
            writer.Line($"ref {t} h0 = ref {LoopMemoryMarshal}.GetReference(h);");
            writer.Line($"ref {t} v0 = ref {LoopMemoryMarshal}.GetReference(v);");
            using (writer.OpenBlock("for (int rowStart = 0; rowStart < batch; rowStart += RowBlock)"))
            {
                writer.Line("int rowEnd = Math.Min(batch, rowStart + RowBlock);");
                writer.Line("int j = first;");
                WriteVectorPath(writer, fullVectorOnly: false, vector =>
                {
                    writer.Line($"var scaleVector = {vector}.Create(scale);");
                    using (writer.OpenBlock(VectorLoop(vector, "last")))
                    {
                        writer.Statements(Ranks(rank).Select(k => $"var acc{k} = {vector}.Zero;"));

                        using (writer.OpenBlock("for (int n = rowStart; n < rowEnd; n++)"))
                        {
                            writer.Line($"var x = {vector}.LoadUnsafe(ref v0, (nuint)(n * width + j));");
                            writer.Line($"ref {t} hRow = ref {LoopUnsafe}.Add(ref h0, n * Rank);");
                            foreach (int k in Ranks(rank))
                            {
                                writer.Line($"acc{k} = {vector}.FusedMultiplyAdd({vector}.Create({LoopUnsafe}.Add(ref hRow, {k})), x, acc{k});");
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
                    writer.Expression($"{t} ", Ranks(rank).Select(k => $"s{k} = 0").ToList(), ", ", ";");
                    using (writer.OpenBlock("for (int n = rowStart; n < rowEnd; n++)"))
                    {
                        writer.Line($"{t} x = {LoopUnsafe}.Add(ref v0, n * width + j);");
                        writer.Line($"ref {t} hRow = ref {LoopUnsafe}.Add(ref h0, n * Rank);");
                        writer.Statements(Ranks(rank).Select(k => $"s{k} += {LoopUnsafe}.Add(ref hRow, {k}) * x;"));
                    }

                    writer.Statements(Ranks(rank).Select(k => $"{LoopUnsafe}.Add(ref g{k}, j) += scale * s{k};"));
                }
            }
        }
    }
}
