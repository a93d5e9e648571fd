using System.Text.Json.Serialization;

namespace Peft.Models.Tests;

[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class IndexJsonContext : JsonSerializerContext
{
}
