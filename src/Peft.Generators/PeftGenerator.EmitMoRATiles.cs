using Peft.Generators.Helpers;

namespace Peft.Generators;

/// <summary>
/// The streaming loops of a MoRA kernel: sums of equal-length tiles of a row (sharing compression and the
/// adjoint of decompression) and the tiled addition of decompression, one pass with the tile sum held in
/// registers instead of one library call per tile (each tile is only r̂ long).
/// </summary>
public sealed partial class PeftGenerator
{
    private static void WriteMoRATileLoops(IndentedWriter writer, string t, bool rope)
    {
        writer.Line("/// <summary><c>sum[j] = Σ_{k &lt; tiles} row[k·w + j]</c>, <c>w = sum.Length</c>, summed in tile order as the runtime does.</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"private static void SumTiles({ReadOnlySpanName}<{t}> row, int tiles, {SpanName}<{t}> sum)"))
        {
            writer.Line("int width = sum.Length;");
            writer.Line("row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it");
            writer.Line($"ref {t} r = ref {MemoryMarshalName}.GetReference(row);");
            writer.Line($"ref {t} s = ref {MemoryMarshalName}.GetReference(sum);");
            writer.Line("int j = 0;");
            WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
            {
                using (writer.OpenBlock(VectorLoop(vector, t)))
                {
                    writer.Line($"var acc = {vector}<{t}>.Zero;");
                    using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                    {
                        writer.Line($"acc += {vector}.LoadUnsafe(ref r, (nuint)(k * width + j));");
                    }

                    writer.Line($"{vector}.StoreUnsafe(acc, ref s, (nuint)j);");
                }
            });

            writer.Line();
            using (writer.OpenBlock("for (; j < width; j++)"))
            {
                writer.Line($"{t} acc = {Zero(t)};");
                using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                {
                    writer.Line($"acc += {UnsafeName}.Add(ref r, k * width + j);");
                }

                writer.Line($"{UnsafeName}.Add(ref s, j) = acc;");
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>row[k·w + j] += tile[j]</c> for <c>k &lt; tiles</c>, <c>w = tile.Length</c>: the tile is loaded once per vector.</summary>");
        writer.Line(AggressiveOptimization);
        using (writer.OpenBlock($"private static void AddTiles({ReadOnlySpanName}<{t}> tile, int tiles, {SpanName}<{t}> row)"))
        {
            writer.Line("int width = tile.Length;");
            writer.Line("row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it");
            writer.Line($"ref {t} h = ref {MemoryMarshalName}.GetReference(tile);");
            writer.Line($"ref {t} r = ref {MemoryMarshalName}.GetReference(row);");
            writer.Line("int j = 0;");
            WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
            {
                using (writer.OpenBlock(VectorLoop(vector, t)))
                {
                    writer.Line($"var value = {vector}.LoadUnsafe(ref h, (nuint)j);");
                    using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                    {
                        writer.Line("nuint at = (nuint)(k * width + j);");
                        writer.Line($"{vector}.StoreUnsafe({vector}.LoadUnsafe(ref r, at) + value, ref r, at);");
                    }
                }
            });

            writer.Line();
            using (writer.OpenBlock("for (; j < width; j++)"))
            {
                writer.Line($"{t} value = {UnsafeName}.Add(ref h, j);");
                using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                {
                    writer.Line($"{UnsafeName}.Add(ref r, k * width + j) += value;");
                }
            }
        }

        if (rope)
        {
            return;
        }

        writer.Line();
        writer.Line("/// <summary><c>target[j] += source[(start + j) mod source.Length]</c> for <c>j &lt; target.Length</c>, in contiguous segments (the cyclic padding).</summary>");
        using (writer.OpenBlock($"private static void AddWrapped({ReadOnlySpanName}<{t}> source, int start, {SpanName}<{t}> target)"))
        {
            writer.Line("int p = start % source.Length;");
            using (writer.OpenBlock("for (int j = 0; j < target.Length; p = 0)"))
            {
                writer.Line("int length = global::System.Math.Min(target.Length - j, source.Length - p);");
                writer.Line("var segment = target.Slice(j, length);");
                writer.Line($"{TensorPrimitivesName}.Add(segment, source.Slice(p, length), segment);");
                writer.Line("j += length;");
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>target[(start + j) mod target.Length] += source[j]</c> for <c>j &lt; source.Length</c>: the adjoint of <see cref=\"AddWrapped\"/>.</summary>");
        using (writer.OpenBlock($"private static void AddWrappedAdjoint({ReadOnlySpanName}<{t}> source, int start, {SpanName}<{t}> target)"))
        {
            writer.Line("int p = start % target.Length;");
            using (writer.OpenBlock("for (int j = 0; j < source.Length; p = 0)"))
            {
                writer.Line("int length = global::System.Math.Min(source.Length - j, target.Length - p);");
                writer.Line("var segment = target.Slice(p, length);");
                writer.Line($"{TensorPrimitivesName}.Add(segment, source.Slice(j, length), segment);");
                writer.Line("j += length;");
            }
        }
    }
}
