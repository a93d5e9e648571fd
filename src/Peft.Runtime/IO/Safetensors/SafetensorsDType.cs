namespace Peft.IO;

/// <summary>
/// The element types of the safetensors format, declared in the reference implementation's
/// alignment order: the writer sorts tensors by this order descending, then by name.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, one byte per element.</summary>
    BOOL,

    /// <summary>4-bit float (E2M1, OCP MX), two elements per byte.</summary>
    F4,

    /// <summary>6-bit float (E2M3, OCP MX), packed.</summary>
    F6_E2M3,

    /// <summary>6-bit float (E3M2, OCP MX), packed.</summary>
    F6_E3M2,

    /// <summary>Unsigned byte.</summary>
    U8,

    /// <summary>Signed byte.</summary>
    I8,

    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8_E5M2,

    /// <summary>8-bit float, 4 exponent and 3 mantissa bits (the "FN" variant).</summary>
    F8_E4M3,

    /// <summary>8-bit exponent-only scale (OCP MX E8M0).</summary>
    F8_E8M0,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>IEEE half precision.</summary>
    F16,

    /// <summary>Brain floating point (the upper 16 bits of an IEEE single).</summary>
    BF16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>IEEE single precision.</summary>
    F32,

    /// <summary>Complex number of two IEEE singles.</summary>
    C64,

    /// <summary>IEEE double precision.</summary>
    F64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}
