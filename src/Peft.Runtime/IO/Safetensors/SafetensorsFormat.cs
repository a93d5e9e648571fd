namespace Peft.IO;

/// <summary>Constants of the safetensors layout: <c>[u64 LE header length N][N bytes JSON header][data]</c>.</summary>
internal static class SafetensorsFormat
{
    /// <summary>The size of the little-endian header-length prefix.</summary>
    public const int LengthPrefixSize = 8;

    /// <summary>The largest header the reference implementation accepts (100,000,000 bytes).</summary>
    public const long MaxHeaderSize = 100_000_000;

    /// <summary>The header key holding the free-form string→string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The writer pads the header with spaces to a multiple of this many bytes.</summary>
    public const int HeaderAlignment = 8;
}
