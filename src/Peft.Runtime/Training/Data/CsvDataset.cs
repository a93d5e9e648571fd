using System.Globalization;
using System.IO.Compression;

namespace Peft.Training;

/// <summary>
/// Loads a numeric CSV file (optionally gzip-compressed, by the <c>.gz</c> extension) into an
/// <see cref="ArrayDataset"/>: every column is a feature except the label column, which holds integer
/// class labels. Numbers are read with the invariant culture.
/// </summary>
public static class CsvDataset
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The CSV file; <c>*.gz</c> is decompressed.</param>
    /// <param name="labelColumn">The label column (negative counts from the end: −1 is the last), or null for no labels.</param>
    /// <param name="hasHeader">Whether the first line is a header to skip.</param>
    /// <param name="separator">The field separator.</param>
    /// <exception cref="FormatException">A field is not a number, a label is not an integer, or a row has another
    /// number of columns than the first; the message names the file, line and column.</exception>
    public static ArrayDataset Load(string path, int? labelColumn = -1, bool hasHeader = false, char separator = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        var features = new List<float>();
        var labels = new List<int>();
        int columns = -1;
        int label = -1;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if ((hasHeader && lineNumber == 1) || line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(separator);
            if (columns < 0)
            {
                columns = fields.Length;
                label = labelColumn is { } l ? (l < 0 ? columns + l : l) : -1;
                if (labelColumn is not null && (label < 0 || label >= columns))
                {
                    throw new FormatException($"{path}: label column {labelColumn} does not exist; line {lineNumber} has {columns} columns.");
                }

                if (columns - (label >= 0 ? 1 : 0) == 0)
                {
                    throw new FormatException($"{path}: line {lineNumber} has no feature column.");
                }
            }
            else if (fields.Length != columns)
            {
                throw new FormatException($"{path}: line {lineNumber} has {fields.Length} columns, the first row has {columns}.");
            }

            for (int c = 0; c < fields.Length; c++)
            {
                var text = fields[c].AsSpan().Trim();
                if (c == label)
                {
                    if (!TryParseLabel(text, out int value))
                    {
                        throw new FormatException($"{path}: line {lineNumber}, column {c + 1}: label '{text}' is not an integer.");
                    }

                    labels.Add(value);
                }
                else if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    features.Add(value);
                }
                else
                {
                    throw new FormatException($"{path}: line {lineNumber}, column {c + 1}: '{text}' is not a number.");
                }
            }
        }

        if (columns < 0)
        {
            throw new FormatException($"{path}: no data rows.");
        }

        return new ArrayDataset([.. features], columns - (label >= 0 ? 1 : 0), label >= 0 ? [.. labels] : null);
    }

    // An integer, or a real number with no fractional part ("3.0" as pandas writes labels).
    private static bool TryParseLabel(ReadOnlySpan<char> text, out int value)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double real)
            && real == Math.Floor(real) && Math.Abs(real) <= int.MaxValue)
        {
            value = (int)real;
            return true;
        }

        return false;
    }
}
