using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Peft.IO;

/// <summary>
/// Parses and validates the JSON header with <see cref="Utf8JsonReader"/> (no reflection), applying the
/// reference implementation's rules: UTF-8, a JSON object, string→string <c>__metadata__</c>, known dtypes,
/// non-negative integer shapes and offsets, offsets contiguous from 0 without holes or overlaps,
/// <c>end − begin = ∏shape · bits / 8</c> (overflow-checked), and the last offset equal to the data length.
/// Every error is an <see cref="InvalidDataException"/> naming the problem, the tensor and the file offset.
/// </summary>
internal static class SafetensorsHeaderParser
{
    private const int HeaderStart = SafetensorsFormat.LengthPrefixSize;

    /// <summary>Reads N from the 8-byte prefix and checks it against the limit and the file length.</summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string source)
    {
        if (fileLength < SafetensorsFormat.LengthPrefixSize)
        {
            throw SafetensorsErrors.At(source, 0,
                $"file is {fileLength} bytes, shorter than the 8-byte header length prefix (truncated file)");
        }

        ulong n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if ((n > SafetensorsFormat.MaxHeaderSize || (long)n > fileLength - SafetensorsFormat.LengthPrefixSize) && IsText(prefix[..SafetensorsFormat.LengthPrefixSize]))
        {
            throw SafetensorsErrors.At(source, 0,
                $"not a safetensors file: its first 8 bytes are text (\"{Encoding.UTF8.GetString(prefix[..SafetensorsFormat.LengthPrefixSize]).ReplaceLineEndings("\\n")}\"), " +
                "where a safetensors file starts with the length of its JSON header as a little-endian 64-bit integer");
        }

        if (n > SafetensorsFormat.MaxHeaderSize)
        {
            throw SafetensorsErrors.At(source, 0,
                $"header length {n} exceeds the limit of {SafetensorsFormat.MaxHeaderSize} bytes");
        }

        if ((long)n > fileLength - SafetensorsFormat.LengthPrefixSize)
        {
            throw SafetensorsErrors.At(source, 0,
                $"header length {n} runs past the end of the {fileLength}-byte file (truncated file or corrupt length)");
        }

        return (long)n;
    }

    // Printable characters, tabs and line breaks in valid UTF-8: a text file read as a length prefix.
    private static bool IsText(ReadOnlySpan<byte> bytes)
    {
        if (!Utf8.IsValid(bytes))
        {
            return false;
        }

        foreach (byte b in bytes)
        {
            if ((b < 0x20 && b is not (0x09 or 0x0A or 0x0D)) || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses the header bytes (the N bytes after the prefix) of a file whose data section has <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        CheckUtf8(json, source);
        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        try
        {
            ReadRoot(ref reader, tensors, metadata, source);
        }
        catch (JsonException exception)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.BytesConsumed,
                $"header is not valid JSON: {exception.Message}", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex,
                $"header is not valid JSON: {exception.Message}", exception);
        }

        ValidateLayout(tensors, dataLength, HeaderStart + json.Length, source);
        return new SafetensorsHeader(tensors, metadata, json.Length);
    }

    private static void CheckUtf8(ReadOnlySpan<byte> json, string source)
    {
        if (Utf8.IsValid(json))
        {
            return;
        }

        int index = 0;
        while (index < json.Length)
        {
            if (Rune.DecodeFromUtf8(json[index..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                break;
            }

            index += consumed;
        }

        throw SafetensorsErrors.At(source, HeaderStart + index, "header is not valid UTF-8");
    }

    private static void ReadRoot(ref Utf8JsonReader reader, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata, string source)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex, "header is not a JSON object");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            long keyOffset = HeaderStart + reader.TokenStartIndex;
            string name = reader.GetString()!;
            reader.Read();
            if (name == SafetensorsFormat.MetadataKey)
            {
                if (sawMetadata)
                {
                    throw SafetensorsErrors.At(source, keyOffset, "duplicate '__metadata__' entry");
                }

                sawMetadata = true;
                ReadMetadata(ref reader, metadata, source);
                continue;
            }

            if (!names.Add(name))
            {
                throw SafetensorsErrors.At(source, keyOffset, $"duplicate tensor name '{name}'");
            }

            tensors.Add(ReadTensor(ref reader, name, keyOffset, source));
        }

        // Only whitespace (the writer's space padding) may follow the object; a second value throws JsonException.
        while (reader.Read())
        {
        }
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex, "'__metadata__' must be an object of strings");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            long keyOffset = HeaderStart + reader.TokenStartIndex;
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex,
                    $"'__metadata__' value of '{key}' is {reader.TokenType}, expected a string");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw SafetensorsErrors.At(source, keyOffset, $"duplicate '__metadata__' key '{key}'");
            }
        }
    }

    private static SafetensorsTensorInfo ReadTensor(ref Utf8JsonReader reader, string name, long keyOffset, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex,
                $"tensor '{name}' entry is {reader.TokenType}, expected an object with dtype, shape and data_offsets");
        }

        SafetensorsDType? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            long fieldOffset = HeaderStart + reader.TokenStartIndex;
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype is not null)
                    {
                        throw SafetensorsErrors.At(source, fieldOffset, $"tensor '{name}' has two 'dtype' fields");
                    }

                    dtype = ReadDType(ref reader, name, source);
                    break;
                case "shape":
                    if (shape is not null)
                    {
                        throw SafetensorsErrors.At(source, fieldOffset, $"tensor '{name}' has two 'shape' fields");
                    }

                    shape = ReadIntegers(ref reader, name, "shape", source);
                    break;
                case "data_offsets":
                    if (offsets is not null)
                    {
                        throw SafetensorsErrors.At(source, fieldOffset, $"tensor '{name}' has two 'data_offsets' fields");
                    }

                    offsets = ReadIntegers(ref reader, name, "data_offsets", source);
                    if (offsets.Count != 2)
                    {
                        throw SafetensorsErrors.At(source, fieldOffset,
                            $"tensor '{name}' data_offsets has {offsets.Count} entries, expected [begin, end]");
                    }

                    break;
                default:
                    // Unknown fields are ignored, as the reference reader does.
                    reader.Skip();
                    break;
            }
        }

        string? missing = dtype is null ? "dtype" : shape is null ? "shape" : offsets is null ? "data_offsets" : null;
        if (missing is not null)
        {
            throw SafetensorsErrors.At(source, keyOffset, $"tensor '{name}' has no '{missing}'");
        }

        long elements = ElementCount(shape!, name, keyOffset, source);
        return new SafetensorsTensorInfo(name, dtype!.Value, shape!.ToArray(), elements, offsets![0], offsets[1]);
    }

    private static SafetensorsDType ReadDType(ref Utf8JsonReader reader, string name, string source)
    {
        long offset = HeaderStart + reader.TokenStartIndex;
        if (reader.TokenType != JsonTokenType.String)
        {
            throw SafetensorsErrors.At(source, offset, $"tensor '{name}' dtype is {reader.TokenType}, expected a string");
        }

        string text = reader.GetString()!;
        if (!SafetensorsDTypes.TryParse(text, out var dtype))
        {
            throw SafetensorsErrors.At(source, offset, $"tensor '{name}' has unknown dtype '{text}'");
        }

        return dtype;
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string field, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex,
                $"tensor '{name}' {field} is {reader.TokenType}, expected an array of non-negative integers");
        }

        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong value) || value > long.MaxValue)
            {
                throw SafetensorsErrors.At(source, HeaderStart + reader.TokenStartIndex,
                    $"tensor '{name}' {field}[{values.Count}] is not an integer in [0, 2^63)");
            }

            values.Add((long)value);
        }

        return values;
    }

    private static long ElementCount(List<long> shape, string name, long offset, string source)
    {
        long elements = 1;
        foreach (long dimension in shape)
        {
            try
            {
                elements = checked(elements * dimension);
            }
            catch (OverflowException)
            {
                throw SafetensorsErrors.At(source, offset,
                    $"tensor '{name}' shape {SafetensorsTensorInfo.FormatShape(shape.ToArray())} overflows: its element count exceeds 2^63");
            }
        }

        return elements;
    }

    private static void ValidateLayout(List<SafetensorsTensorInfo> tensors, long dataLength, long dataStart, string source)
    {
        // The header may list tensors in any order; the data must be covered in offset order.
        tensors.Sort(static (left, right) =>
        {
            int byBegin = left.DataBegin.CompareTo(right.DataBegin);
            return byBegin != 0 ? byBegin : left.DataEnd.CompareTo(right.DataEnd);
        });

        long position = 0;
        string? previous = null;
        foreach (var tensor in tensors)
        {
            string name = tensor.Name;
            long begin = tensor.DataBegin;
            long end = tensor.DataEnd;
            long at = dataStart + Math.Min(begin, dataLength);
            if (end < begin)
            {
                throw SafetensorsErrors.At(source, at, $"tensor '{name}' data_offsets [{begin}, {end}] end before they begin");
            }

            if (begin < position)
            {
                throw SafetensorsErrors.At(source, at,
                    $"tensor '{name}' data_offsets [{begin}, {end}] overlap tensor '{previous}', which ends at data byte {position}");
            }

            if (begin > position)
            {
                string after = previous is null ? "the start of the data section" : $"tensor '{previous}'";
                throw SafetensorsErrors.At(source, dataStart + Math.Min(position, dataLength),
                    $"hole of {begin - position} bytes before tensor '{name}' (data_offsets [{begin}, {end}]) after {after}");
            }

            long bits = 0;
            bool overflow = tensor.ElementCount != 0
                && tensor.ElementCount > long.MaxValue / tensor.DType.BitSize();
            if (!overflow)
            {
                bits = tensor.ElementCount * tensor.DType.BitSize();
            }

            if (overflow)
            {
                throw SafetensorsErrors.At(source, at,
                    $"tensor '{name}' shape {tensor.ShapeText} × {tensor.DType} overflows: its byte size exceeds 2^63 bits");
            }

            if (bits % 8 != 0)
            {
                throw SafetensorsErrors.At(source, at,
                    $"tensor '{name}' {tensor.DType} {tensor.ShapeText} is {bits} bits, not a whole number of bytes");
            }

            if (end - begin != bits / 8)
            {
                throw SafetensorsErrors.At(source, at,
                    $"tensor '{name}' {tensor.DType} {tensor.ShapeText} needs {bits / 8} bytes but data_offsets [{begin}, {end}] span {end - begin}");
            }

            if (end > dataLength)
            {
                throw SafetensorsErrors.At(source, at,
                    $"tensor '{name}' data_offsets [{begin}, {end}] run past the end of the {dataLength}-byte data section (truncated file)");
            }

            position = end;
            previous = name;
        }

        if (position != dataLength)
        {
            throw SafetensorsErrors.At(source, dataStart + position,
                $"tensors cover {position} bytes but the data section has {dataLength} (file length does not match the header)");
        }
    }
}
