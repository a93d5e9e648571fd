using System.Text.Json.Serialization;

namespace Peft.Models.Tests;

[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(Dictionary<string, int[]>))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}
