using System.Diagnostics;
using System.Reflection;

namespace Peft.Analyzers.Tests.Consumers;

/// <summary>
/// Runs <c>dotnet build</c> on a consumer project under <c>tests/Consumers</c>, with every
/// project's bin and obj redirected to a fresh temporary artifacts folder so that the build
/// neither reads nor disturbs the checkout's own outputs.
/// </summary>
internal sealed class ConsumerBuild : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private ConsumerBuild(string artifacts) => ArtifactsPath = artifacts;

    /// <summary>The temporary folder holding every project's outputs; deleted on dispose.</summary>
    public string ArtifactsPath { get; }

    /// <summary>The test assembly's build configuration (<c>Release</c> or <c>Debug</c>), used for the consumer too.</summary>
    public static string Configuration { get; } =
        typeof(ConsumerBuild).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The build's exit code.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Everything the build printed (stdout then stderr).</summary>
    public string Output { get; private set; } = string.Empty;

    /// <summary>Builds <c>tests/Consumers/&lt;name&gt;/&lt;name&gt;.csproj</c> in the test assembly's configuration.</summary>
    public static async Task<ConsumerBuild> RunAsync(string name)
    {
        string project = RepositoryPaths.Get($"tests/Consumers/{name}/{name}.csproj");
        var build = new ConsumerBuild(Directory.CreateTempSubdirectory("peft-consumer-").FullName);

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string argument in new[]
        {
            "build", project, "-c", Configuration, "--artifacts-path", build.ArtifactsPath,
            "-nodeReuse:false", "-nologo", "-clp:NoSummary",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` hands MSBuild settings of its own to the test host; the child build
        // must resolve the SDK from scratch like a user's shell would.
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
            throw new TimeoutException($"dotnet build {name} did not finish within {Timeout}.");
        }

        build.ExitCode = process.ExitCode;
        build.Output = await stdout + await stderr;
        return build;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(ArtifactsPath, recursive: true);
        }
        catch (IOException)
        {
            // A lingering compiler server may still hold a file; the folder is in the temp directory.
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
