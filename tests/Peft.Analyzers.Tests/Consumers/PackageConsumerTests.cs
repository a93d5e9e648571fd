using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Peft.Analyzers.Tests.Consumers;

/// <summary>Packs the product package once per test class run (see <see cref="ConsumerBuild"/>).</summary>
public sealed class PackedPackage : IAsyncLifetime
{
    private ConsumerBuild? _build;

    internal ConsumerBuild Build => _build ?? throw new InvalidOperationException("Not packed yet.");

    public async Task InitializeAsync() => _build = await ConsumerBuild.PackAsync();

    public Task DisposeAsync()
    {
        _build?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The product as users get it: one NuGet package, packed from the current sources, restored from a
/// feed into a project with no project references (tests/Consumers/PackageUser). The generator must
/// specialize the user's model, and the analyzers must turn an invalid configuration into a build error.
/// </summary>
[Trait("Category", "Slow")] // packs the product and restores, builds and runs a consumer: about a minute
public sealed partial class PackageConsumerTests(PackedPackage packed) : IClassFixture<PackedPackage>
{
    private readonly ConsumerBuild _package = packed.Build;

    [Fact]
    public void Package_holds_the_runtime_in_lib_the_generator_and_analyzers_in_analyzers_dotnet_cs_and_the_AOT_targets_in_build()
    {
        Assert.Equal(
            [
                "Peft.Generators.nuspec",
                "README.md",
                "analyzers/dotnet/cs/Peft.Analyzers.CodeFixes.dll",
                "analyzers/dotnet/cs/Peft.Analyzers.dll",
                "analyzers/dotnet/cs/Peft.Generators.dll",
                "build/Peft.Generators.targets",
                "buildTransitive/Peft.Generators.targets",
                "lib/net10.0/Peft.Runtime.dll",
                "lib/net10.0/Peft.Runtime.xml",
            ],
            _package.PackageEntries());

        XElement metadata = _package.Nuspec().Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal(ConsumerBuild.PackageId, Value("id"));
        Assert.Equal(_package.PackageVersion, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Contains("lora", Value("tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));

        // The runtime's one dependency; the Roslyn component projects are build-order references only.
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string?)e.Attribute("id")).ToList();
        Assert.Equal(["System.Numerics.Tensors"], dependencies);
    }

    [Fact]
    public async Task Package_user_trains_with_the_generated_kernels()
    {
        ConsumerResult build = await _package.BuildConsumerAsync("PackageUser");
        Assert.True(build.ExitCode == 0, $"The consumer should build; it exited {build.ExitCode}.\n{build.Output}");

        // Restored from the feed just packed, not from a cache (the version is unique to this run).
        Assert.True(
            Directory.Exists(Path.Combine(_package.PackagesFolder, ConsumerBuild.PackageId.ToLowerInvariant(), _package.PackageVersion)),
            $"{ConsumerBuild.PackageId} {_package.PackageVersion} was not extracted into {_package.PackagesFolder}.\n{build.Output}");

        CommandResult run = await ConsumerBuild.RunConsumerAsync(build);
        Assert.True(run.ExitCode == 0, $"The consumer should run; it exited {run.ExitCode}.\n{run.Output}");

        Match line = ResultLine().Match(run.Output);
        Assert.True(line.Success, $"No result line in the consumer's output:\n{run.Output}");

        // The generated AttachAdapters plugged in the generated kernels (file classes compiled into the
        // user's assembly), not the runtime's RuntimeLoRAKernel / RuntimeMoRAKernel fallbacks.
        Assert.Equal("LoRAPlusAdapter", line.Groups["hiddenAdapter"].Value);
        Assert.Equal("HiddenKernel", line.Groups["hiddenKernel"].Value);
        Assert.Equal("PackageUser", line.Groups["hiddenAssembly"].Value);
        Assert.Equal("MoRAAdapter", line.Groups["outputAdapter"].Value);
        Assert.Equal("OutputKernel", line.Groups["outputKernel"].Value);
        Assert.Equal("PackageUser", line.Groups["outputAssembly"].Value);

        // And the generated optimizer trained them.
        double first = double.Parse(line.Groups["first"].Value, CultureInfo.InvariantCulture);
        double last = double.Parse(line.Groups["last"].Value, CultureInfo.InvariantCulture);
        Assert.True(last < first / 2, $"The loss should fall: {first} -> {last}.\n{run.Output}");
    }

    [Fact]
    public async Task Package_analyzers_fail_a_bad_LoRAPlus_ratio_with_PEFT0001()
    {
        ConsumerResult build = await _package.BuildConsumerAsync("PackageUser", "PeftBadRatio=true");

        Assert.True(build.ExitCode != 0, $"The build should fail; it exited 0.\n{build.Output}");
        Assert.Contains(
            "BadRatio.cs(8,25): error PEFT0001: LoRA+ Ratio on 'Hidden' is 0.5: B's learning rate (lr·Ratio) must be at least A's (lr)",
            build.Output,
            StringComparison.Ordinal);

        // Nothing else fails: no other Peft rule fires on the otherwise valid models, the generated code
        // of the valid one compiles, and restore found the package.
        Assert.DoesNotMatch(@"error PEFT00(0[2-9]|[1-9]\d)", build.Output);
        Assert.DoesNotMatch(@"error (CS|NU)\d{4}", build.Output);
    }

    [GeneratedRegex(
        @"^package-user: Hidden (?<hiddenAdapter>\S+) kernel (?<hiddenKernel>\S+) from (?<hiddenAssembly>\S+); " +
        @"Output (?<outputAdapter>\S+) kernel (?<outputKernel>\S+) from (?<outputAssembly>\S+); " +
        @"loss (?<first>[0-9.]+) -> (?<last>[0-9.]+) after \d+ steps\r?$",
        RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
