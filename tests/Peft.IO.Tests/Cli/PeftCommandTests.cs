using Peft.Tests.Cli;

namespace Peft.IO.Tests.Cli;

/// <summary>The <c>peft</c> tool, called in-process through its entry point.</summary>
public sealed class PeftCommandTests
{
    [Fact]
    public void InspectFileListsEveryTensorAndTheMetadata()
    {
        var (code, stdout, stderr) = Run("inspect", Fixtures.Path("base_model.safetensors"));
        Assert.Equal(0, code);
        Assert.Empty(stderr);
        Assert.Contains("metadata: format = pt", stdout);
        Assert.Matches(@"encoder\.fc2\.weight\s+F16\s+\[4, 6\]\s+48 bytes", stdout);
        Assert.Matches(@"head\.weight\s+BF16\s+\[3, 4\]", stdout);
        Assert.Equal(7, stdout.Split('\n').Count(line => line.Contains(" bytes at ", StringComparison.Ordinal)));
    }

    [Fact]
    public void InspectAdapterDirectoryShowsTheConfig()
    {
        var (code, stdout, _) = Run("inspect", Fixtures.Path("mora6"));
        Assert.Equal(0, code);
        Assert.Contains("method: MoRA (mora_type 6, RoPE), r 3", stdout);
        Assert.Contains("module encoder.fc1: M [6, 6]", stdout);
        Assert.Contains("\"use_mora\": true", stdout);
        Assert.Contains("base_model.model.head.lora_B.weight", stdout);
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("mora1")]
    public void MergeWritesWhatTheLibraryMerges(string adapter)
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string output = Path.Combine(folder, "merged.safetensors");
            var (code, stdout, stderr) = Run("merge", "--base", Fixtures.Path("base_model.safetensors"), "--adapter", Fixtures.Path(adapter), $"--out={output}");
            Assert.True(code == 0, stderr);
            Assert.Contains("merged", stdout);
            string library = Path.Combine(folder, "library.safetensors");
            PeftMerger.MergeFiles(Fixtures.Path("base_model.safetensors"), Fixtures.Path(adapter), library);
            Assert.Equal(File.ReadAllBytes(library), File.ReadAllBytes(output));
            Assert.Equal(2, Directory.GetFiles(folder).Length); // no temporary files left behind
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CorruptFileIsOneLineWithoutAStackTrace()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string path = Path.Combine(folder, "bad.safetensors");
            File.WriteAllBytes(path, File.ReadAllBytes(Fixtures.Path("base_model.safetensors"))[..500]);
            var (code, stdout, stderr) = Run("inspect", path);
            Assert.Equal(1, code);
            Assert.Empty(stdout);
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.StartsWith("peft: error: ", stderr);
            Assert.Contains("runs past the end of the 500-byte file", stderr);
            Assert.DoesNotContain(" at Peft.", stderr);

            (code, _, stderr) = Run("merge", "--base", path, "--adapter", Fixtures.Path("lora"), "--out", Path.Combine(folder, "out.safetensors"));
            Assert.Equal(1, code);
            Assert.Contains("bad.safetensors", stderr);
            Assert.False(File.Exists(Path.Combine(folder, "out.safetensors")));

            (code, _, stderr) = Run("merge", "--base", Fixtures.Path("base_model.safetensors"), "--adapter", folder, "--out", Path.Combine(folder, "out.safetensors"));
            Assert.Equal(1, code);
            Assert.Contains("no adapter_config.json", stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs the tool in-process and returns its exit code and both outputs.</summary>
    internal static (int Code, string Stdout, string Stderr) Run(params string[] args) => PeftRunner.Run(args);
}
