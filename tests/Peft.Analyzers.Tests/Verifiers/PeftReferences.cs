using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Peft.Analyzers.Tests.Verifiers;

/// <summary>
/// The references every test compilation gets, resolved without the network.
/// <para>
/// The testing packages' <c>ReferenceAssemblies.Net.*</c> download <c>Microsoft.NETCore.App.Ref</c>
/// from NuGet on first use, which fails (or stalls) offline. Instead the tests declare an empty
/// <see cref="Microsoft.CodeAnalysis.Testing.ReferenceAssemblies"/> (a target framework and no
/// package, so nothing is resolved or downloaded) and add, as <c>AdditionalReferences</c>, the
/// net10.0 reference assemblies of the installed SDK's targeting pack
/// (<c>&lt;dotnet&gt;/packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net10.0</c>), falling back
/// to the running runtime's own assemblies, plus <c>Peft.Runtime.dll</c> so the attributes and
/// layers resolve. The metadata is loaded once per test run and shared by every compilation.
/// </para>
/// </summary>
internal static class PeftReferences
{
    /// <summary>A target framework with no package: nothing to download.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    /// <summary>Where the framework references came from (the targeting pack or the runtime).</summary>
    public static string FrameworkDirectory { get; } = FindFrameworkDirectory();

    // Initialized after FrameworkDirectory (static initializers run in text order).
    /// <summary>The framework reference assemblies plus Peft.Runtime.</summary>
    public static ImmutableArray<MetadataReference> All { get; } = Load();

    private static ImmutableArray<MetadataReference> Load()
    {
        var references = Directory.EnumerateFiles(FrameworkDirectory, "*.dll")
            .Where(IsManagedAssembly)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(LoRAAttribute).Assembly.Location));
        return [.. references];
    }

    private static string FindFrameworkDirectory()
    {
        // <dotnet>/shared/Microsoft.NETCore.App/<version>/ → <dotnet>/packs/Microsoft.NETCore.App.Ref/*/ref/net10.0
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        if (Directory.Exists(packs))
        {
            string? newest = Directory.EnumerateDirectories(packs)
                .Select(version => Path.Combine(version, "ref", "net10.0"))
                .Where(Directory.Exists)
                .OrderByDescending(path => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), out Version? v) ? v : new Version())
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return runtimeDirectory;
    }

    // The runtime directory also holds native libraries; only managed ones are references.
    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
