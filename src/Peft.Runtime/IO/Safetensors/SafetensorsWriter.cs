using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// Writes safetensors files laid out as the reference implementation writes them: tensors sorted by
/// dtype alignment descending (<see cref="SafetensorsDType"/> order) then by name, contiguous from
/// offset 0; a compact JSON header with <c>__metadata__</c> first, padded with spaces to a multiple of 8
/// so that every tensor starts 8-byte aligned.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes the file atomically (temporary file in the same folder, then rename).</summary>
    public static void WriteFile(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = Order(tensors);
        byte[] header = BuildHeader(ordered, metadata);
        AtomicFile.Write(path, stream => WriteOrdered(stream, header, ordered));
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ordered = Order(tensors);
        WriteOrdered(stream, BuildHeader(ordered, metadata), ordered);
    }

    /// <summary>The whole file as bytes.</summary>
    public static byte[] Serialize(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    internal static List<SafetensorsTensor> Order(IEnumerable<SafetensorsTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in list)
        {
            ArgumentNullException.ThrowIfNull(tensor);
            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
            }
        }

        // Descending alignment, then name in UTF-8 byte order (code point order), as the reference does.
        list.Sort(static (left, right) =>
        {
            int byType = right.DType.CompareTo(left.DType);
            return byType != 0 ? byType : CompareCodePoints(left.Name, right.Name);
        });
        return list;
    }

    internal static byte[] BuildHeader(List<SafetensorsTensor> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(SafetensorsFormat.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(static pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in ordered)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.HeaderName());
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // Pad with spaces (JSON whitespace) to a multiple of 8 bytes.
        long length = json.Length;
        long padded = (length + SafetensorsFormat.HeaderAlignment - 1) / SafetensorsFormat.HeaderAlignment * SafetensorsFormat.HeaderAlignment;
        if (padded > SafetensorsFormat.MaxHeaderSize)
        {
            throw new InvalidOperationException(
                $"The header would be {padded} bytes, over the format's limit of {SafetensorsFormat.MaxHeaderSize}.");
        }

        for (long i = length; i < padded; i++)
        {
            json.WriteByte((byte)' ');
        }

        return json.ToArray();
    }

    private static void WriteOrdered(Stream stream, byte[] header, List<SafetensorsTensor> ordered)
    {
        Span<byte> prefix = stackalloc byte[SafetensorsFormat.LengthPrefixSize];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var tensor in ordered)
        {
            stream.Write(tensor.Data.Span);
        }
    }

    private static int CompareCodePoints(string left, string right)
    {
        var a = left.EnumerateRunes();
        var b = right.EnumerateRunes();
        while (true)
        {
            bool hasA = a.MoveNext();
            bool hasB = b.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA ? 1 : hasB ? -1 : 0;
            }

            int byValue = a.Current.Value.CompareTo(b.Current.Value);
            if (byValue != 0)
            {
                return byValue;
            }
        }
    }
}
