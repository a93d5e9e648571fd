using System.Text;

namespace Peft.IO.Tests.Peft;

/// <summary>
/// Mutated adapter directories (config text and weights) either load and merge, or fail with
/// <see cref="InvalidDataException"/>; nothing else escapes <c>LoadAdapter</c> or <c>PeftMerger</c>.
/// </summary>
public sealed class PeftAdapterFuzzTests
{
    private static readonly string[] Tokens = ["-1", "0", "1e400", "\"x\"", "null", "[]", "{}", "true", "\"fc[\"", "\"(a+)+$\"", "3", "\"6\"", ","];

    [Fact]
    public void MutatedAdaptersFailOnlyWithInvalidData()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("PEFT_FUZZ_CASES"), out int requested) && requested > 0 ? Math.Max(300, requested / 100) : 300;
        var random = new Random(777);
        string folder = Fixtures.TemporaryFolder();
        string[] sources = ["lora", "rslora", "mora1", "mora6"];
        int loaded = 0;
        try
        {
            using var baseFile = SafetensorsFile.Open(Fixtures.Path("base_model.safetensors"));
            for (int i = 0; i < cases; i++)
            {
                string source = sources[random.Next(sources.Length)];
                string config = File.ReadAllText(Fixtures.Path($"{source}/adapter_config.json"));
                byte[] weights = File.ReadAllBytes(Fixtures.Path($"{source}/adapter_model.safetensors"));
                if (random.Next(2) == 0)
                {
                    config = MutateConfig(config, random);
                }
                else
                {
                    weights[random.Next(weights.Length)] ^= (byte)(1 << random.Next(8));
                }

                File.WriteAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName), config);
                File.WriteAllBytes(Path.Combine(folder, PeftAdapterDirectory.WeightsFileName), weights);
                try
                {
                    new TinyModel<float>().LoadAdapter(folder);
                    using var adapter = PeftAdapterDirectory.Open(folder);
                    PeftMerger.Merge(baseFile, adapter);
                    loaded++;
                }
                catch (InvalidDataException)
                {
                }
                catch (Exception exception)
                {
                    throw new InvalidOperationException($"case {i} ({source}) escaped with {exception.GetType().Name}: {exception.Message}\n{config}", exception);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.InRange(loaded, 1, cases - 1);
    }

    private static string MutateConfig(string config, Random random)
    {
        // Replace the value of a random field with a hostile token.
        var lines = config.Split('\n');
        int line = random.Next(lines.Length);
        int colon = lines[line].IndexOf(':');
        if (colon < 0)
        {
            return config.Remove(random.Next(config.Length), 1);
        }

        bool comma = lines[line].TrimEnd().EndsWith(',');
        lines[line] = lines[line][..(colon + 1)] + " " + Tokens[random.Next(Tokens.Length)] + (comma ? "," : "");
        var builder = new StringBuilder();
        builder.AppendJoin('\n', lines);
        return builder.ToString();
    }
}
