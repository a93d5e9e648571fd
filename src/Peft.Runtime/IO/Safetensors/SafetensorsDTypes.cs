namespace Peft.IO;

/// <summary>Element widths and header spellings of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly SafetensorsDType[] All = Enum.GetValues<SafetensorsDType>();
    private static readonly string[] Names = Enum.GetNames<SafetensorsDType>();

    /// <summary>Every dtype the format defines, in alignment order.</summary>
    public static ReadOnlySpan<SafetensorsDType> Values => All;

    /// <summary>The width of one element in bits (4 for F4, 6 for the F6 types, 8 for BOOL).</summary>
    public static int BitSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F4 => 4,
        SafetensorsDType.F6_E2M3 or SafetensorsDType.F6_E3M2 => 6,
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E8M0 => 8,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 16,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 32,
        SafetensorsDType.C64 or SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The spelling in the header (<c>"F32"</c>, <c>"F8_E4M3"</c>, …).</summary>
    public static string HeaderName(this SafetensorsDType dtype) =>
        Enum.IsDefined(dtype) ? dtype.ToString() : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype.");

    /// <summary>Parses a header spelling; names are case-sensitive as in the reference implementation.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out SafetensorsDType dtype)
    {
        for (int i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                dtype = All[i];
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>Whether this module converts the dtype to and from <see cref="float"/> / <see cref="double"/>.</summary>
    public static bool IsConvertibleFloat(this SafetensorsDType dtype) =>
        dtype is SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F32 or SafetensorsDType.F64;
}
