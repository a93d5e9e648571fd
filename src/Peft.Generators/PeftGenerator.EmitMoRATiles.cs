using Peft.Generators.Helpers;

namespace Peft.Generators;

/// <summary>
/// The streaming loops of the MoRA kernels, generic over the element type and written once per file:
/// sums of equal-length tiles of a row (sharing compression and the adjoint of decompression), the tiled
/// addition of decompression, the cyclic-padding segments and the RoPE rotation, each one pass with the
/// tile sum held in registers instead of one library call per r̂-long tile.
/// </summary>
public sealed partial class PeftGenerator
{
    private const string MoRAConstraint = "where T : unmanaged, global::System.Numerics.IBinaryFloatingPointIeee754<T>";

    private static void WriteMoRATileLoops(IndentedWriter writer)
    {
        const string t = "T";
        writer.Line("/// <summary><c>sum[j] = Σ_{k &lt; tiles} row[k·w + j]</c>, <c>w = sum.Length</c>, summed in tile order as the runtime does.</summary>");
        using (OpenGenericLoop(writer, $"public static void SumTiles<T>({ReadOnlySpanName}<T> row, int tiles, {SpanName}<T> sum)"))
        {
            writer.Line("int width = sum.Length;");
            writer.Line("row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it");
            writer.Line($"ref T r = ref {MemoryMarshalName}.GetReference(row);");
            writer.Line($"ref T s = ref {MemoryMarshalName}.GetReference(sum);");
            writer.Line("int j = 0;");
            WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
            {
                using (writer.OpenBlock(VectorLoop(vector, t)))
                {
                    writer.Line($"var acc = {vector}<T>.Zero;");
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
                writer.Line("T acc = T.Zero;");
                using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                {
                    writer.Line($"acc += {UnsafeName}.Add(ref r, k * width + j);");
                }

                writer.Line($"{UnsafeName}.Add(ref s, j) = acc;");
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>row[k·w + j] += tile[j]</c> for <c>k &lt; tiles</c>, <c>w = tile.Length</c>: the tile is loaded once per vector.</summary>");
        using (OpenGenericLoop(writer, $"public static void AddTiles<T>({ReadOnlySpanName}<T> tile, int tiles, {SpanName}<T> row)"))
        {
            writer.Line("int width = tile.Length;");
            writer.Line("row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it");
            writer.Line($"ref T h = ref {MemoryMarshalName}.GetReference(tile);");
            writer.Line($"ref T r = ref {MemoryMarshalName}.GetReference(row);");
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
                writer.Line($"T value = {UnsafeName}.Add(ref h, j);");
                using (writer.OpenBlock("for (int k = 0; k < tiles; k++)"))
                {
                    writer.Line($"{UnsafeName}.Add(ref r, k * width + j) += value;");
                }
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>target[j] += source[(start + j) mod source.Length]</c> for <c>j &lt; target.Length</c>, in contiguous segments (the cyclic padding).</summary>");
        using (OpenGenericLoop(writer, $"public static void AddWrapped<T>({ReadOnlySpanName}<T> source, int start, {SpanName}<T> target)", optimize: false))
        {
            writer.Line("int p = start % source.Length;");
            using (writer.OpenBlock("for (int j = 0; j < target.Length; p = 0)"))
            {
                writer.Line("int length = global::System.Math.Min(target.Length - j, source.Length - p);");
                writer.Line("var segment = target.Slice(j, length);");
                writer.Line($"{TensorPrimitivesName}.Add<T>(segment, source.Slice(p, length), segment);");
                writer.Line("j += length;");
            }
        }

        writer.Line();
        writer.Line("/// <summary><c>target[(start + j) mod target.Length] += source[j]</c> for <c>j &lt; source.Length</c>: the adjoint of <see cref=\"AddWrapped\"/>.</summary>");
        using (OpenGenericLoop(writer, $"public static void AddWrappedAdjoint<T>({ReadOnlySpanName}<T> source, int start, {SpanName}<T> target)", optimize: false))
        {
            writer.Line("int p = start % target.Length;");
            using (writer.OpenBlock("for (int j = 0; j < source.Length; p = 0)"))
            {
                writer.Line("int length = global::System.Math.Min(source.Length - j, target.Length - p);");
                writer.Line("var segment = target.Slice(p, length);");
                writer.Line($"{TensorPrimitivesName}.Add<T>(segment, source.Slice(j, length), segment);");
                writer.Line("j += length;");
            }
        }
    }

    /// <summary><c>Rotate</c>, and <c>RotateAdd</c> that adds the rotated pairs to the destination (the adjoint's scatter into dX without a scratch round trip).</summary>
    private static void WriteMoRARotate(IndentedWriter writer)
    {
        WriteMoRARotate(writer, accumulate: false);
        writer.Line();
        WriteMoRARotate(writer, accumulate: true);
    }

    private static void WriteMoRARotate(IndentedWriter writer, bool accumulate)
    {
        const string t = "T";
        string name = accumulate ? "RotateAdd" : "Rotate";
        string store = accumulate ? "+=" : "=";
        writer.Line("/// <summary>");
        writer.Line(accumulate
            ? "/// Adds the pairs (j, j + w) rotated by the angles of <paramref name=\"cos\"/> and <paramref name=\"sin\"/> to the destination:"
            : "/// Rotates the pairs (j, j + w) by the angles of <paramref name=\"cos\"/> and <paramref name=\"sin\"/>, <c>w = cos.Length</c>:");
        writer.Line($"/// <c>lo' {store} lo·cos − hi·sin</c>, <c>hi' {store} hi·cos + lo·sin</c>, one vectorized pass (the rotated value is rounded before the add, as the runtime does).");
        writer.Line("/// </summary>");
        using (OpenGenericLoop(writer, $"public static void {name}<T>({ReadOnlySpanName}<T> source, {SpanName}<T> destination, {ReadOnlySpanName}<T> cos, {ReadOnlySpanName}<T> sin)"))
        {
            writer.Line("int width = cos.Length;");
            writer.Line("sin = sin.Slice(0, width); // the unchecked accesses below stay inside every span");
            writer.Line("source = source.Slice(0, 2 * width);");
            writer.Line("destination = destination.Slice(0, 2 * width);");
            writer.Line($"ref T c = ref {MemoryMarshalName}.GetReference(cos);");
            writer.Line($"ref T s = ref {MemoryMarshalName}.GetReference(sin);");
            writer.Line($"ref T lo = ref {MemoryMarshalName}.GetReference(source);");
            writer.Line($"ref T hi = ref {UnsafeName}.Add(ref lo, width);");
            writer.Line($"ref T loOut = ref {MemoryMarshalName}.GetReference(destination);");
            writer.Line($"ref T hiOut = ref {UnsafeName}.Add(ref loOut, width);");
            writer.Line("int j = 0;");
            WriteVectorPaths(writer, t, fullVectorOnly: true, vector =>
            {
                using (writer.OpenBlock(VectorLoop(vector, t)))
                {
                    writer.Line($"var cj = {vector}.LoadUnsafe(ref c, (nuint)j);");
                    writer.Line($"var sj = {vector}.LoadUnsafe(ref s, (nuint)j);");
                    writer.Line($"var lj = {vector}.LoadUnsafe(ref lo, (nuint)j);");
                    writer.Line($"var hj = {vector}.LoadUnsafe(ref hi, (nuint)j);");
                    if (accumulate)
                    {
                        writer.Line($"{vector}.StoreUnsafe({vector}.LoadUnsafe(ref loOut, (nuint)j) + (lj * cj - hj * sj), ref loOut, (nuint)j);");
                        writer.Line($"{vector}.StoreUnsafe({vector}.LoadUnsafe(ref hiOut, (nuint)j) + (hj * cj + lj * sj), ref hiOut, (nuint)j);");
                    }
                    else
                    {
                        writer.Line($"{vector}.StoreUnsafe(lj * cj - hj * sj, ref loOut, (nuint)j);");
                        writer.Line($"{vector}.StoreUnsafe(hj * cj + lj * sj, ref hiOut, (nuint)j);");
                    }
                }
            });

            writer.Line();
            using (writer.OpenBlock("for (; j < width; j++)"))
            {
                writer.Line($"T cj = {UnsafeName}.Add(ref c, j), sj = {UnsafeName}.Add(ref s, j);");
                writer.Line($"T lj = {UnsafeName}.Add(ref lo, j), hj = {UnsafeName}.Add(ref hi, j);");
                writer.Line($"{UnsafeName}.Add(ref loOut, j) {store} lj * cj - hj * sj;");
                writer.Line($"{UnsafeName}.Add(ref hiOut, j) {store} hj * cj + lj * sj;");
            }
        }
    }

    /// <summary>Opens a generic method of the shared MoRA code: <c>AggressiveOptimization</c> (for the hot loops), the signature, its constraint, the body.</summary>
    private static IndentedWriter.Block OpenGenericLoop(IndentedWriter writer, string signature, bool optimize = true)
    {
        if (optimize)
        {
            writer.Line(AggressiveOptimization);
        }

        writer.Line(signature);
        using (writer.Indent())
        {
            writer.Line(MoRAConstraint);
        }

        return writer.OpenBlock();
    }
}
