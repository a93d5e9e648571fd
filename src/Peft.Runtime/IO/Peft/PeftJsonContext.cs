using System.Text.Json.Serialization;

namespace Peft.IO;

/// <summary>Source-generated (reflection-free, AOT-safe) JSON metadata for <see cref="PeftAdapterConfig"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(PeftAdapterConfig))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
internal sealed partial class PeftJsonContext : JsonSerializerContext
{
}
