using System.Globalization;
using System.Text.Json;

namespace Peft.Training;

/// <summary>
/// Reads the fields of <c>trainer_state.json</c>; every failure is an <see cref="InvalidDataException"/>
/// naming the file and the field's dotted path (<c>optimizer.groups[2].parameters[0].shape</c>).
/// </summary>
internal readonly struct CheckpointReader(JsonElement element, string file, string path = "")
{
    public bool Has(string name) => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out _);

    public CheckpointReader Child(string name) => new(Get(name, JsonValueKind.Object), file, Join(name));

    public List<CheckpointReader> Array(string name)
    {
        var array = Get(name, JsonValueKind.Array);
        var items = new List<CheckpointReader>();
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            items.Add(new CheckpointReader(item, file, $"{Join(name)}[{index++}]"));
        }

        return items;
    }

    public void Expect(string name, string expected)
    {
        string? actual = Get(name, JsonValueKind.String).GetString();
        if (actual != expected)
        {
            throw Mismatch(name, $"\"{actual}\"", $"\"{expected}\"");
        }
    }

    public void ExpectNumber(string name, long expected, string? what = null)
    {
        long actual = Long(name, long.MinValue, long.MaxValue);
        if (actual != expected)
        {
            throw Mismatch(name, actual.ToString(CultureInfo.InvariantCulture),
                expected.ToString(CultureInfo.InvariantCulture) + (what is null ? "" : $" ({what} of this trainer)"));
        }
    }

    public void ExpectShape(string name, ReadOnlySpan<int> expected)
    {
        var array = Get(name, JsonValueKind.Array);
        var actual = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            actual.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out long d) ? d : -1);
        }

        if (!actual.SequenceEqual(expected.ToArray().Select(d => (long)d)))
        {
            throw Mismatch(name, $"[{string.Join(", ", actual)}]", $"[{string.Join(", ", expected.ToArray())}]");
        }
    }

    public int Int(string name, int min, int max) => (int)Long(name, min, max);

    public long Long(string name, long min, long max)
    {
        var value = Get(name, JsonValueKind.Number);
        if (!value.TryGetInt64(out long result) || result < min || result > max)
        {
            throw new InvalidDataException($"{file}: field '{Join(name)}' is {value.GetRawText()}; expected an integer in [{min}, {max}].");
        }

        return result;
    }

    public double Double(string name) => Get(name, JsonValueKind.Number).GetDouble();

    public ulong UInt64(string name)
    {
        string? text = Get(name, JsonValueKind.String).GetString();
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
        {
            throw new InvalidDataException($"{file}: field '{Join(name)}' is \"{text}\"; expected an unsigned 64-bit integer.");
        }

        return value;
    }

    public InvalidDataException Mismatch(string name, string found, string expected)
        => new($"{file}: field '{Join(name)}' is {found}, but this trainer has {expected}; the checkpoint belongs to another run or model.");

    private JsonElement Get(string name, JsonValueKind kind)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            throw new InvalidDataException($"{file}: field '{Join(name)}' is missing; the checkpoint is corrupt or from another version.");
        }

        if (value.ValueKind != kind)
        {
            throw new InvalidDataException($"{file}: field '{Join(name)}' is a {value.ValueKind}, expected a {kind}.");
        }

        return value;
    }

    private string Join(string name) => path.Length == 0 ? name : path + "." + name;
}
