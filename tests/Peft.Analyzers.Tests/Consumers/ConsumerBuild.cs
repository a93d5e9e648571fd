using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace Peft.Analyzers.Tests.Consumers;

/// <summary>
/// Packs the product package (<c>dotnet pack src/Peft.Runtime</c>) from the current sources into a
/// temporary feed and builds consumer projects under <c>tests/Consumers</c> against it, as a user's
/// machine would. Everything goes to one fresh temporary folder, deleted on dispose:
/// <list type="bullet">
/// <item><c>pack/</c>: the pack's own build (bin/obj via <c>--artifacts-path</c>), so it neither reads nor
/// disturbs the checkout's outputs;</item>
/// <item><c>feed/</c>: the <c>.nupkg</c>, version <c>&lt;VersionPrefix&gt;-test-&lt;guid&gt;</c>: unique, so no package
/// of the same version in any cache can stand in for it;</item>
/// <item><c>packages/</c>: the consumers' <c>RestorePackagesPath</c>; the machine's global packages folder is a
/// read-only fallback (<c>RestoreFallbackFolders</c>) for System.Numerics.Tensors, so restore needs no network;</item>
/// <item><c>consumers/&lt;n&gt;/</c>: each consumer build's bin/obj.</item>
/// </list>
/// </summary>
internal sealed class ConsumerBuild : IDisposable
{
    /// <summary>The package id: the product's (src/Peft.Runtime's PackageId).</summary>
    public const string PackageId = "Peft.Generators";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static string? s_globalPackagesFolder;

    private int _consumers;

    private ConsumerBuild(string root) => Root = root;

    /// <summary>The test assembly's build configuration (<c>Release</c> or <c>Debug</c>), used for the pack and the consumers.</summary>
    public static string Configuration { get; } =
        typeof(ConsumerBuild).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The temporary folder holding the feed, the packages and every build's outputs.</summary>
    public string Root { get; }

    /// <summary>The packed <c>.nupkg</c>.</summary>
    public string PackagePath { get; private set; } = string.Empty;

    /// <summary>Its version: the repository's VersionPrefix with a unique prerelease suffix.</summary>
    public string PackageVersion { get; private set; } = string.Empty;

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; private set; } = string.Empty;

    /// <summary>Where the consumers' restore extracts packages.</summary>
    public string PackagesFolder => Path.Combine(Root, "packages");

    private string Feed => Path.Combine(Root, "feed");

    /// <summary>Packs src/Peft.Runtime in <see cref="Configuration"/> into a fresh feed.</summary>
    public static async Task<ConsumerBuild> PackAsync()
    {
        var build = new ConsumerBuild(Directory.CreateTempSubdirectory("peft-package-").FullName);
        try
        {
            string suffix = $"test-{Guid.NewGuid():N}";
            CommandResult pack = await DotnetAsync(
                "pack", RepositoryPaths.Get("src/Peft.Runtime/Peft.Runtime.csproj"), "-c", Configuration,
                "-o", build.Feed, "--artifacts-path", Path.Combine(build.Root, "pack"), "--version-suffix", suffix,
                "-nodeReuse:false", "-nologo", "-clp:NoSummary");
            build.PackOutput = pack.Output;
            string[] packages = Directory.Exists(build.Feed) ? Directory.GetFiles(build.Feed, "*.nupkg") : [];
            if (pack.ExitCode != 0 || packages.Length != 1)
            {
                throw new InvalidOperationException(
                    $"dotnet pack src/Peft.Runtime exited {pack.ExitCode} and left [{string.Join(", ", packages.Select(Path.GetFileName))}].\n{pack.Output}");
            }

            build.PackagePath = packages[0];
            build.PackageVersion = $"{RepositoryVersionPrefix()}-{suffix}";
            return build;
        }
        catch
        {
            build.Dispose();
            throw;
        }
    }

    /// <summary>The repository's <c>VersionPrefix</c> (Directory.Build.props): the version a plain <c>dotnet pack</c> gives.</summary>
    public static string RepositoryVersionPrefix() =>
        XDocument.Load(RepositoryPaths.Get("Directory.Build.props")).Descendants("VersionPrefix").Single().Value.Trim();

    /// <summary>The package's file names (forward slashes), without the OPC bookkeeping entries.</summary>
    public IReadOnlyList<string> PackageEntries()
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath);
        return [.. zip.Entries
            .Select(entry => entry.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal)
                && !name.StartsWith("package/", StringComparison.Ordinal)
                && name != "[Content_Types].xml")
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The package's <c>.nuspec</c>.</summary>
    public XDocument Nuspec()
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath);
        ZipArchiveEntry entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using Stream stream = entry.Open();
        return XDocument.Load(stream);
    }

    /// <summary>
    /// Restores and builds <c>tests/Consumers/&lt;name&gt;/&lt;name&gt;.csproj</c> against the feed, into a fresh
    /// artifacts folder. <paramref name="properties"/> are extra <c>Name=Value</c> MSBuild properties.
    /// </summary>
    public async Task<ConsumerResult> BuildConsumerAsync(string name, params string[] properties)
    {
        string artifacts = Path.Combine(Root, "consumers", $"{Interlocked.Increment(ref _consumers)}");
        var arguments = new List<string>
        {
            "build", RepositoryPaths.Get($"tests/Consumers/{name}/{name}.csproj"), "-c", Configuration,
            "--artifacts-path", artifacts,
            $"-p:PeftPackageVersion={PackageVersion}",
            $"-p:RestoreSources={Feed}",
            $"-p:RestorePackagesPath={PackagesFolder}",
            $"-p:RestoreFallbackFolders={await GlobalPackagesFolderAsync()}",
            "-nodeReuse:false", "-nologo", "-clp:NoSummary",
        };
        arguments.AddRange(properties.Select(property => $"-p:{property}"));
        CommandResult result = await DotnetAsync([.. arguments]);
        return new ConsumerResult(result.ExitCode, result.Output, Path.Combine(artifacts, "bin", name, Configuration.ToLowerInvariant(), $"{name}.dll"));
    }

    /// <summary>Runs a consumer that <see cref="BuildConsumerAsync"/> built.</summary>
    public static Task<CommandResult> RunConsumerAsync(ConsumerResult build) => DotnetAsync(build.AssemblyPath);

    /// <summary>
    /// Runs <c>dotnet</c> from the repository root. <c>dotnet test</c> hands MSBuild settings of its own to
    /// the test host; the child must resolve the SDK from scratch like a user's shell would.
    /// </summary>
    public static async Task<CommandResult> DotnetAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in start.Environment.Keys.Where(key => key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(variable);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new CommandResult(process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A lingering compiler server may still hold a file; the folder is in the temp directory.
        }
        catch (UnauthorizedAccessException)
        {
            // As above (Windows reports a held file this way).
        }
    }

    /// <summary>The machine's global packages folder, as NuGet resolves it (NUGET_PACKAGES, NuGet.Config, default).</summary>
    private static async Task<string> GlobalPackagesFolderAsync()
    {
        if (s_globalPackagesFolder is null)
        {
            CommandResult locals = await DotnetAsync("nuget", "locals", "global-packages", "--list");
            const string Prefix = "global-packages:";
            string? line = locals.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
            s_globalPackagesFolder = line is not null && locals.ExitCode == 0
                ? line[Prefix.Length..].Trim()
                : throw new InvalidOperationException($"dotnet nuget locals global-packages --list exited {locals.ExitCode}:\n{locals.Output}");
        }

        return s_globalPackagesFolder;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

/// <summary>A finished <c>dotnet</c> command: exit code and everything it printed (stdout then stderr).</summary>
internal sealed record CommandResult(int ExitCode, string Output);

/// <summary>A finished consumer build and where its assembly is (when it succeeded).</summary>
internal sealed record ConsumerResult(int ExitCode, string Output, string AssemblyPath);
