using Peft.Tests.Cli;

namespace Peft.IO.Tests.Cli;

/// <summary>
/// The <c>peft</c> command line (System.CommandLine): help and version, usage errors with suggestions (exit 2),
/// and paths that are the wrong kind of thing as one error line (exit 1).
/// </summary>
public sealed class PeftCommandLineTests
{
    [Theory]
    [InlineData(new string[0], "Required command was not provided.", "peft")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'.", "peft")]
    [InlineData(new[] { "inspect" }, "Required argument 'PATH' missing for command: 'inspect'.", "peft inspect")]
    [InlineData(new[] { "merge", "--base", "a" }, "Option '--adapter' is required.", "peft merge")]
    [InlineData(new[] { "merge", "--base" }, "Required argument missing for option: '--base'.", "peft merge")]
    [InlineData(new[] { "merge", "--bse", "a", "--adapter", "b", "--out", "c" }, "Unrecognized command or argument '--bse'.", "peft merge")]
    public void BadUsageExitsTwo(string[] args, string expected, string command)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains($"peft: {expected}", stderr);
        Assert.EndsWith($"Run '{command} --help' for usage.", stderr.TrimEnd());
    }

    [Theory]
    [InlineData("merg", "merge")]
    [InlineData("inspct", "inspect")]
    [InlineData("finetun", "finetune")]
    public void MistypedCommandsGetASuggestion(string typed, string suggested)
    {
        var (code, _, stderr) = Run(typed);
        Assert.Equal(2, code);
        Assert.Contains($"'{typed}' was not matched. Did you mean one of the following?\n{suggested}\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void MistypedOptionsGetASuggestion()
    {
        var (_, _, stderr) = Run("merge", "--bse", "a", "--adapter", "b", "--out", "c");
        Assert.Contains("'--bse' was not matched. Did you mean one of the following?\n--base\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void HelpListsTheCommandsWithDescriptionsAndVersionPrintsThePackageVersion()
    {
        var (code, stdout, stderr) = Run("--help");
        Assert.Equal(0, code);
        Assert.Empty(stderr);
        foreach (string command in new[] { "inspect", "merge", "generate", "finetune" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b.*\s{{2,}}[A-Z]\w+", stdout);
        }

        (code, stdout, _) = Run("merge", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"--base <MODEL\.safetensors\|MODEL_DIR> \(REQUIRED\)\s+The base weights", stdout);

        (code, stdout, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("0.1.0", stdout);
    }

    [Fact]
    public void PathsOfTheWrongKindAreOneErrorLine()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string baseModel = Fixtures.Path("base_model.safetensors");
            string adapter = Fixtures.Path("lora");
            string output = Path.Combine(folder, "merged.safetensors");
            string text = Path.Combine(folder, "notes.safetensors");
            File.WriteAllText(text, "hello world, these are notes, not tensors\n");
            string empty = Path.Combine(folder, "empty");
            Directory.CreateDirectory(empty);
            string modelFolder = Path.Combine(folder, "model");
            Directory.CreateDirectory(modelFolder);
            File.Copy(baseModel, Path.Combine(modelFolder, "model.safetensors"));

            (string[] Args, string Expected)[] cases =
            [
                (["merge", "--base", baseModel, "--adapter", Path.Combine(adapter, "adapter_config.json"), "--out", output],
                    "--adapter: " + Path.Combine(adapter, "adapter_config.json") + " is a file; an adapter is a folder holding adapter_config.json and adapter_model.safetensors"),
                (["merge", "--base", baseModel, "--adapter", Path.Combine(folder, "missing"), "--out", output], "no such adapter folder"),
                (["merge", "--base", Path.Combine(folder, "missing.safetensors"), "--adapter", adapter, "--out", output], "--base: " + Path.Combine(folder, "missing.safetensors") + ": no such file or folder"),
                (["merge", "--base", empty, "--adapter", adapter, "--out", output], "--base: " + empty + " has no model.safetensors and no model.safetensors.index.json"),
                (["merge", "--base", baseModel, "--adapter", adapter, "--out", folder], "--out: " + folder + " is a folder; give the path of the file to write"),
                (["merge", "--base", baseModel, "--adapter", adapter, "--out", Path.Combine(folder, "no", "such", "m.safetensors")], "the folder " + Path.Combine(folder, "no", "such") + " does not exist"),
                (["merge", "--base", text, "--adapter", adapter, "--out", output],
                    text + ": not a safetensors file: its first 8 bytes are text (\"hello wo\"), where a safetensors file starts with the length of its JSON header"),
                (["merge", "--base", modelFolder, "--adapter", adapter, "--out", modelFolder], "--out: " + modelFolder + ": the output exists and is not empty; the merged folder is written whole"),
                (["merge", "--base", modelFolder, "--adapter", adapter, "--out", text], "--out: " + text + " is a file; give a folder to write into"),
                (["inspect", text], "not a safetensors file: its first 8 bytes are text (\"hello wo\")"),
            ];
            foreach (var (args, expected) in cases)
            {
                var (code, stdout, stderr) = Run(args);
                Assert.True(code == 1, $"{string.Join(' ', args)}: {code} {stderr}");
                Assert.Empty(stdout);
                Assert.StartsWith("peft: error: ", stderr);
                Assert.Contains(expected, stderr);
                Assert.Single(stderr.TrimEnd().Split('\n'));
            }

            Assert.False(File.Exists(output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => PeftRunner.Run(args);
}
