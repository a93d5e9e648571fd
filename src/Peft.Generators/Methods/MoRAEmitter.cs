using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;
using static Peft.Generators.PeftGenerator;

namespace Peft.Generators.Methods;

/// <summary>
/// MoRA (<c>[MoRA]</c>): <c>AttachMoRA</c> with the layer's shape-specialized <c>IMoRAKernel&lt;T&gt;</c>, a subclass of
/// the runtime's <c>MoRAKernelBase&lt;T&gt;</c> holding the layer's constants, rotary tables and four passes.
/// </summary>
internal sealed class MoRAEmitter : AdapterEmitter
{
    public static readonly MoRAEmitter Instance = new();

    private const string TensorPrimitivesName = "global::System.Numerics.Tensors.TensorPrimitives";

    private MoRAEmitter()
    {
    }

    public override bool UsesLowRankLoops => false;

    public override string Describe(LayerInfo layer) => Specialized(layer)
        ? $"MoRA ({(IsRoPE(layer) ? "RoPE" : "sharing")}), r = {layer.Rank}{ShapeText(layer)}"
        : $"MoRA ({TypeName(layer)}, the runtime kernel), r = {layer.Rank}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachMoRA", "MoRAOptions",
    [
        $"Rank = {layer.Rank},",
        $"Type = global::Peft.MoRAType.{TypeName(layer)},",
    ]);

    /// <summary>
    /// A shape-generic MoRA kernel takes the layer's sizes: r̂ and the tiling follow from them. The grouped types (2–4, which
    /// ReMoRA switches to at run time) use the runtime kernel: <c>null</c>.
    /// </summary>
    public override string NewKernel(string kernel, LayerInfo layer, string member) =>
        !Specialized(layer) ? "null"
        : layer.HasConstantShape ? base.NewKernel(kernel, layer, member) : $"new {kernel}({member}.InFeatures, {member}.OutFeatures)";

    public override string KernelInterface(LayerInfo layer) => $"global::Peft.Generated.IMoRAKernel<{layer.ElementType}>";

    /// <summary>The shape-specialized <c>IMoRAKernel&lt;T&gt;</c> of the layer (Sharing and RoPE; none for the grouped types).</summary>
    public override void WriteKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer)
    {
        if (!Specialized(layer))
        {
            return;
        }

        string t = layer.ElementType;
        bool constant = layer.HasConstantShape;
        bool rope = IsRoPE(layer);
        string typeName = "global::Peft.MoRAType." + (rope ? "RoPE" : "Sharing");
        HierarchyInfo model = owner.Hierarchy;
        string kernel = KernelName(owner, layer);
        MoRAShape? geometry = constant ? new MoRAShape(layer) : null;

        writer.Line("/// <summary>");
        if (constant)
        {
            int squareRank = geometry!.Value.SquareRank;
            writer.Line($"/// The MoRA ({(rope ? "RoPE" : "sharing")}) kernel of <c>{layer.QualifiedName(model)}</c>: rank {layer.Rank}, " +
                $"in {layer.InFeatures}, out {layer.OutFeatures}, r̂ = ⌊√((in+out)·r) + 0.5⌋ = {squareRank}, <see cref=\"{t}\"/>.");
        }
        else
        {
            writer.Line($"/// The MoRA ({(rope ? "RoPE" : "sharing")}) kernel of <c>{layer.QualifiedName(model)}</c>: rank {layer.Rank}, " +
                $"any in and out, r̂ = ⌊√((in+out)·r) + 0.5⌋ fixed when the kernel is created, <see cref=\"{t}\"/>.");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// <para>Forward: <c>c = compress(x)</c>, <c>h = c·Mᵀ</c>, <c>y += decompress(h)</c>, where x is padded cyclically to");
        writer.Line("/// <c>P = G·r̂</c> (<c>x̄[p] = x[p mod in]</c>) and <c>decompress(h)[o] = h̄[o mod Period]</c>.</para>");
        if (rope)
        {
            writer.Line("/// <para>RoPE: chunk g of x̄ is rotated by the angles <c>g·θ_j</c>, <c>θ_j = 10000^{-2j/r̂}</c>:");
            writer.Line("/// <c>c[j] = v[j]·cos − v[j+r̂/2]·sin</c>, <c>c[j+r̂/2] = v[j+r̂/2]·cos + v[j]·sin</c>; M acts on every chunk.</para>");
        }
        else
        {
            writer.Line("/// <para>Sharing: <c>c[j] = Σ_g x̄[g·r̂ + j]</c>, one row per item; the output tiles h with period r̂.</para>");
        }

        writer.Line("/// <para>Backward: <c>dh = decompressᵀ(dY)</c>, <c>dM += dhᵀ·c</c>, <c>dc = dh·M</c>, <c>dX += compressᵀ(dc)</c>.</para>");
        writer.Line("/// </remarks>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file sealed class {kernel} : global::Peft.Generated.MoRAKernelBase<{t}>"))
        {
            WriteLayerName(writer, model, layer);
            writer.Line("/// <summary>The LoRA rank whose parameter budget the adapter matches.</summary>");
            writer.Line($"public const int Rank = {layer.Rank};");
            writer.Line();
            if (constant)
            {
                var shape = geometry!.Value;
                WriteShapeConstants(writer, layer);
                writer.Line("/// <summary>r̂, the side of M.</summary>");
                writer.Line($"public const int SquareRank = {shape.SquareRank};");
                writer.Line();
                writer.Line("/// <summary>G = ⌈in/r̂⌉ chunks of the padded input.</summary>");
                writer.Line($"public const int Chunks = {shape.Chunks};");
                writer.Line();
                writer.Line("/// <summary>The tiling period of the output.</summary>");
                writer.Line($"public const int Period = {shape.Period};");
                writer.Line();
                writer.Line("/// <summary>Rows of length r̂ that M acts on per item.</summary>");
                writer.Line($"public const int RowsPerItem = {shape.RowsPerItem};");
                writer.Line();
                writer.Line("/// <summary>Chunks lying wholly inside x, ⌊in/r̂⌋ (the rest is padded cyclically).</summary>");
                writer.Line($"public const int WholeChunks = {shape.WholeChunks};");
                writer.Line();
                writer.Line("/// <summary>Whole output tiles, ⌊out/Period⌋ (the rest is a partial tile).</summary>");
                writer.Line($"public const int WholeTiles = {shape.WholeTiles};");
                writer.Line();
                if (rope)
                {
                    WriteRotaryFields(writer, t, "global::Peft.Generated.KernelParallel.MaxParticipants * SquareRank");
                    writer.Line();
                }

                writer.Line(rope
                    ? "/// <summary>Creates the kernel (the rotary tables are computed once, in double, as the runtime does).</summary>"
                    : "/// <summary>Creates the kernel.</summary>");
                writer.Line($"public {kernel}()");
                using (writer.Indent())
                {
                    writer.Line($": base(Layer, new global::Peft.MoRAShape(InFeatures, OutFeatures, SquareRank, {typeName}))");
                }

                using (writer.OpenBlock())
                {
                    if (rope)
                    {
                        WriteRotaryTables(writer, t);
                    }
                }
            }
            else
            {
                if (rope)
                {
                    WriteRotaryFields(writer, t, null);
                    writer.Line();
                }

                writer.Line("/// <summary>Creates the kernel for a layer of the given shape: r̂ and the tiling follow from it.</summary>");
                writer.Line($"public {kernel}(int inFeatures, int outFeatures)");
                using (writer.Indent())
                {
                    writer.Line($": base(Layer, new global::Peft.MoRAShape(inFeatures, outFeatures,");
                    writer.Line($"    global::Peft.MoRAShape.ComputeSquareRank(inFeatures, outFeatures, Rank, {typeName}), {typeName}))");
                }

                using (writer.OpenBlock())
                {
                    if (rope)
                    {
                        writer.Line($"_chunk = new {t}[global::Peft.Generated.KernelParallel.MaxParticipants * SquareRank];");
                        WriteRotaryTables(writer, t);
                    }
                }

                writer.Line();
                foreach (string name in new[] { "InFeatures", "OutFeatures", "SquareRank", "Chunks", "Period", "RowsPerItem" })
                {
                    writer.Line($"private int {name} => Shape.{name};");
                    writer.Line();
                }

                writer.Line("private int WholeChunks => InFeatures / SquareRank;");
                writer.Line();
                writer.Line("private int WholeTiles => OutFeatures / Period;");
            }

            writer.Line();
            WriteMoRACompress(writer, t, rope, geometry);
            writer.Line();
            WriteMoRADecompress(writer, t, geometry);
        }
    }

    private static void WriteMoRACompress(IndentedWriter writer, string t, bool rope, MoRAShape? geometry)
    {
        if (rope)
        {
            WriteMoRAChunk(writer, t);
            writer.Line();
        }

        writer.Line(rope
            ? "/// <summary>Row g of item n is chunk g rotated by the angles g·θ_j.</summary>"
            : "/// <summary><c>c[n, j] = Σ_g x̄[n, g·r̂ + j]</c>: the whole chunks summed in registers, then the padded last one.</summary>");
        using (writer.OpenBlock($"protected override void Compress({ReadOnlySpanName}<{t}> x, {SpanName}<{t}> compressed, int batch, int participant)"))
        {
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line("var row = x.Slice(n * InFeatures, InFeatures);");
                if (rope)
                {
                    using (writer.OpenBlock("for (int g = 0; g < RowsPerItem; g++)"))
                    {
                        writer.Line("var target = compressed.Slice((n * RowsPerItem + g) * SquareRank, SquareRank);");
                        writer.Line($"global::Peft.Generated.MoRALoops.Rotate<{t}>(Chunk(row, g, participant), target, Cosines(g), new {ReadOnlySpanName}<{t}>(_sin, g * (SquareRank / 2), SquareRank / 2));");
                    }
                }
                else
                {
                    writer.Line("var c = compressed.Slice(n * SquareRank, SquareRank);");
                    writer.Line($"global::Peft.Generated.MoRALoops.SumTiles<{t}>(row, WholeChunks, c);");
                    WriteIf(writer, geometry?.HasPartialChunk, "WholeChunks < Chunks",
                        () => writer.Line($"global::Peft.Generated.MoRALoops.AddWrapped<{t}>(row, WholeChunks * SquareRank, c); // the last chunk, padded cyclically"));
                }
            }
        }

        writer.Line();
        WriteMoRACompressAdjoint(writer, t, rope, geometry);
    }

    private static void WriteMoRAChunk(IndentedWriter writer, string t)
    {
        writer.Line("/// <summary>Chunk g of the cyclically padded row: a slice when it lies inside x, else gathered into the participant's scratch.</summary>");
        using (writer.OpenBlock($"private {ReadOnlySpanName}<{t}> Chunk({ReadOnlySpanName}<{t}> x, int g, int participant)"))
        {
            writer.Line("int start = g * SquareRank;");
            using (writer.OpenBlock("if (start + SquareRank <= InFeatures)"))
            {
                writer.Line("return x.Slice(start, SquareRank);");
            }

            writer.Line();
            writer.Line($"var chunk = new {SpanName}<{t}>(_chunk, participant * SquareRank, SquareRank);");
            using (writer.OpenBlock("for (int j = 0; j < SquareRank; j++)"))
            {
                writer.Line("chunk[j] = x[(start + j) % InFeatures];");
            }

            writer.Line();
            writer.Line("return chunk;");
        }

        writer.Line();
        writer.Line("/// <summary>cos(g·θ_j) for j &lt; r̂/2.</summary>");
        using (writer.OpenBlock($"private {ReadOnlySpanName}<{t}> Cosines(int g)"))
        {
            writer.Line($"return new {ReadOnlySpanName}<{t}>(_cos, g * (SquareRank / 2), SquareRank / 2);");
        }
    }

    private static void WriteMoRACompressAdjoint(IndentedWriter writer, string t, bool rope, MoRAShape? geometry)
    {
        writer.Line("/// <summary><c>dX[n, (g·r̂ + j) mod in] += dv_g[j]</c>: the adjoint of the cyclic padding and chunking.</summary>");
        using (writer.OpenBlock($"protected override void CompressAdjoint({ReadOnlySpanName}<{t}> compressedGradient, {SpanName}<{t}> inputGradient, int batch, int participant)"))
        {
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line("var dx = inputGradient.Slice(n * InFeatures, InFeatures);");
                if (!rope)
                {
                    writer.Line("// Every chunk fed the same row: dv = dc.");
                    writer.Line("var dv = compressedGradient.Slice(n * SquareRank, SquareRank);");
                    writer.Line($"global::Peft.Generated.MoRALoops.AddTiles<{t}>(dv, WholeChunks, dx);");
                    WriteIf(writer, geometry?.HasPartialChunk, "WholeChunks < Chunks",
                        () => writer.Line($"global::Peft.Generated.MoRALoops.AddWrappedAdjoint<{t}>(dv, WholeChunks * SquareRank, dx);"));

                    return;
                }

                using (writer.OpenBlock("for (int g = 0; g < RowsPerItem; g++)"))
                {
                    writer.Line("// Inverse rotation (angle −g·θ_j): dv = R_gᵀ·dc_g, added to dX[g·r̂ ..] (gathered through the scratch when it wraps).");
                    writer.Line("var source = compressedGradient.Slice((n * RowsPerItem + g) * SquareRank, SquareRank);");
                    writer.Line($"var sin = new {ReadOnlySpanName}<{t}>(_negativeSin, g * (SquareRank / 2), SquareRank / 2);");
                    writer.Line("int start = g * SquareRank;");
                    using (writer.OpenBlock("if (start + SquareRank <= InFeatures)"))
                    {
                        writer.Line($"global::Peft.Generated.MoRALoops.RotateAdd<{t}>(source, dx.Slice(start, SquareRank), Cosines(g), sin);");
                    }

                    using (writer.OpenBlock("else"))
                    {
                        writer.Line($"var dv = new {SpanName}<{t}>(_chunk, participant * SquareRank, SquareRank);");
                        writer.Line($"global::Peft.Generated.MoRALoops.Rotate<{t}>(source, dv, Cosines(g), sin);");
                        using (writer.OpenBlock("for (int j = 0; j < SquareRank; j++)"))
                        {
                            writer.Line("dx[(start + j) % InFeatures] += dv[j];");
                        }
                    }
                }
            }
        }
    }

    private static void WriteMoRADecompress(IndentedWriter writer, string t, MoRAShape? geometry)
    {
        writer.Line("/// <summary><c>y[n, o] += h̄[n, o mod Period]</c> for <c>o &lt; out</c>.</summary>");
        using (writer.OpenBlock($"protected override void Decompress({ReadOnlySpanName}<{t}> mixed, {SpanName}<{t}> y, int batch)"))
        {
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line("var h = mixed.Slice(n * RowsPerItem * SquareRank, RowsPerItem * SquareRank);");
                writer.Line("var row = y.Slice(n * OutFeatures, OutFeatures);");
                WriteIf(writer, geometry?.HasWholeTile, "WholeTiles > 0",
                    () => writer.Line($"global::Peft.Generated.MoRALoops.AddTiles<{t}>(h.Slice(0, Period), WholeTiles, row);"));
                WriteIf(writer, geometry?.HasPartialTile, "WholeTiles * Period < OutFeatures", () =>
                {
                    writer.Line("var target = row.Slice(WholeTiles * Period);");
                    writer.Line($"{TensorPrimitivesName}.Add(target, h.Slice(0, target.Length), target);");
                });
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>dh[n, q] = Σ_{o &lt; out, o mod Period = q} dY[n, o]</c>.</summary>");
        using (writer.OpenBlock($"protected override void DecompressAdjoint({ReadOnlySpanName}<{t}> dy, {SpanName}<{t}> mixedGradient, int batch)"))
        {
            using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
            {
                writer.Line("var dh = mixedGradient.Slice(n * RowsPerItem * SquareRank, RowsPerItem * SquareRank);");
                writer.Line("var row = dy.Slice(n * OutFeatures, OutFeatures);");
                WriteIf(writer, geometry?.HasWholeTile, "WholeTiles > 0",
                    () =>
                    {
                        writer.Line("// A whole tile means Period = r̂·RowsPerItem (sharing, or RoPE with out = G·r̂): dh is that tile.");
                        writer.Line($"global::Peft.Generated.MoRALoops.SumTiles<{t}>(row, WholeTiles, dh);");
                    },
                    () => writer.Line("dh.Clear();"));
                WriteIf(writer, geometry?.HasPartialTile, "WholeTiles * Period < OutFeatures", () =>
                {
                    writer.Line("var source = row.Slice(WholeTiles * Period);");
                    writer.Line("var target = dh.Slice(0, source.Length);");
                    writer.Line($"{TensorPrimitivesName}.Add(target, source, target);");
                });
            }
        }
    }

    /// <summary>The rotary tables and the per-participant chunk scratch (sized in the constructor when <paramref name="chunkLength"/> is null).</summary>
    private static void WriteRotaryFields(IndentedWriter writer, string t, string? chunkLength)
    {
        writer.Line(chunkLength is null ? $"private readonly {t}[] _chunk;" : $"private readonly {t}[] _chunk = new {t}[{chunkLength}];");
        writer.Line($"private readonly {t}[] _cos;");
        writer.Line($"private readonly {t}[] _sin;");
        writer.Line($"private readonly {t}[] _negativeSin;");
    }

    /// <summary>The runtime's tables (computed in double, rounded once), so both paths rotate by the same values.</summary>
    private static void WriteRotaryTables(IndentedWriter writer, string t)
    {
        writer.Line($"(_cos, _sin) = Shape.RotaryTables<{t}>();");
        writer.Line($"_negativeSin = new {t}[_sin.Length];");
        writer.Line($"{TensorPrimitivesName}.Negate<{t}>(_sin, _negativeSin);");
    }

    /// <summary>
    /// <c>if (condition) { then } else { otherwise }</c>, or just the taken branch when the shape is constant and
    /// <paramref name="known"/> decides it (a constant condition would leave unreachable code, warning CS0162).
    /// </summary>
    private static void WriteIf(IndentedWriter writer, bool? known, string condition, System.Action then, System.Action? otherwise = null)
    {
        if (known is bool taken)
        {
            (taken ? then : otherwise)?.Invoke();
            return;
        }

        using (writer.OpenBlock($"if ({condition})"))
        {
            then();
        }

        if (otherwise is not null)
        {
            using (writer.OpenBlock("else"))
            {
                otherwise();
            }
        }
    }

    private static bool IsRoPE(LayerInfo layer) => (int)layer.Argument("Type") == MoRAMethod.RoPEType;

    /// <summary>Whether the generator writes the layer's kernel: Sharing and RoPE.</summary>
    private static bool Specialized(LayerInfo layer) => (int)layer.Argument("Type") is MoRAMethod.SharingType or MoRAMethod.RoPEType;

    /// <summary>The <c>MoRAType</c> member of the layer's type.</summary>
    private static string TypeName(LayerInfo layer) => (int)layer.Argument("Type") switch
    {
        MoRAMethod.GroupedType => "Grouped",
        MoRAMethod.GroupedCompressionType => "GroupedCompression",
        MoRAMethod.GroupedDecompressionType => "GroupedDecompression",
        MoRAMethod.RoPEType => "RoPE",
        _ => "Sharing",
    };

    /// <summary>MoRA's shape for a constant layer shape: the shared arithmetic of <c>MoRAMethod</c>, as the runtime's <c>Peft.MoRAShape</c>.</summary>
    private readonly struct MoRAShape
    {
        public MoRAShape(LayerInfo layer)
        {
            int type = (int)layer.Argument("Type");
            SquareRank = MoRAMethod.SquareRank(layer.InFeatures, layer.OutFeatures, layer.Rank, type);
            Chunks = MoRAMethod.Chunks(layer.InFeatures, SquareRank);
            Period = MoRAMethod.Period(type, SquareRank, Chunks);
            RowsPerItem = MoRAMethod.RowsPerItem(type, SquareRank, Chunks, layer.OutFeatures);
            WholeChunks = layer.InFeatures / SquareRank;
            WholeTiles = layer.OutFeatures / Period;
            HasWholeTile = WholeTiles > 0;
            HasPartialChunk = WholeChunks < Chunks;
            HasPartialTile = WholeTiles * Period < layer.OutFeatures;
        }

        public int WholeChunks { get; }

        public int WholeTiles { get; }

        public bool HasWholeTile { get; }

        public bool HasPartialChunk { get; }

        public bool HasPartialTile { get; }

        public int SquareRank { get; }

        public int Chunks { get; }

        public int Period { get; }

        public int RowsPerItem { get; }
    }
}
