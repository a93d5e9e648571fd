using System.Reflection;

namespace Peft.Gpu.Kernels;

/// <summary>The SPIR-V shaders embedded in this assembly (compiled from <c>Shaders/*.hlsl</c> at build).</summary>
internal static class ShaderLibrary
{
    private const string Prefix = "Peft.Gpu.Shaders.";
    private const string Suffix = ".spv";

    /// <summary>The names of the embedded shaders.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(ShaderLibrary).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^Suffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The SPIR-V words of <paramref name="shader"/>.</summary>
    /// <exception cref="ArgumentException">No such shader is embedded; the message lists those that are.</exception>
    public static byte[] Load(string shader)
    {
        using var stream = typeof(ShaderLibrary).Assembly.GetManifestResourceStream(Prefix + shader + Suffix)
            ?? throw new ArgumentException($"No embedded shader '{shader}'; embedded: {string.Join(", ", Names)}.", nameof(shader));
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        // SPIR-V starts with the magic number 0x07230203 (little-endian here).
        if (bytes.Length < 20 || bytes.Length % 4 != 0 || BitConverter.ToUInt32(bytes, 0) != 0x07230203u)
        {
            throw new InvalidDataException($"Embedded shader '{shader}' ({bytes.Length} bytes) is not SPIR-V.");
        }

        return bytes;
    }
}
