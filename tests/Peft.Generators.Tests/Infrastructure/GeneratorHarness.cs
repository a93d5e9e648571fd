using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Peft.Generators;

namespace Peft.Generators.Tests.Infrastructure;

/// <summary>Runs <see cref="PeftGenerator"/> on source text through <see cref="CSharpGeneratorDriver"/>.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        // The running framework's assemblies plus Peft.Runtime: what a user project compiles against.
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = tpa.Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) ||
                           Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(Module).Assembly.Location));
        return [.. references];
    });

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "UserModels",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Model{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() => CreateDriver(new PeftGenerator());

    /// <summary>A driver for <paramref name="generator"/> that tracks its steps.</summary>
    public static GeneratorDriver CreateDriver(IIncrementalGenerator generator) =>
        CSharpGeneratorDriver.Create(
            [generator.AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once: the generated sources (by hint name) and the updated compilation.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
        => Run(compilation, new PeftGenerator());

    /// <summary>Runs <paramref name="generator"/> once: the generated sources and the updated compilation.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation, IIncrementalGenerator generator)
    {
        GeneratorDriver driver = CreateDriver(generator).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The hint name of the one file of rank-unrolled loops a compilation with LoRA layers gets.</summary>
    public const string LowRankLoopsFile = "Peft.Generated.LowRankLoops.g.cs";

    /// <summary>The text of the one generated model file (every file but the shared loops).</summary>
    public static string ModelText(GeneratorDriverRunResult result) =>
        Assert.Single(result.GeneratedTrees, tree => System.IO.Path.GetFileName(tree.FilePath) != LowRankLoopsFile).GetText().ToString();

    /// <summary>Diagnostics of a compilation that a user would see (warnings and errors).</summary>
    public static ImmutableArray<Diagnostic> VisibleDiagnostics(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
}
