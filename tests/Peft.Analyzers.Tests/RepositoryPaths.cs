namespace Peft.Analyzers.Tests;

/// <summary>Finds files of the repository from the test binaries (bin/&lt;config&gt;/net10.0 under the checkout).</summary>
internal static class RepositoryPaths
{
    /// <summary>The directory that holds <c>Peft.Generators.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path below the root, from forward-slash separated parts.</summary>
    public static string Get(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Peft.Generators.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Peft.Generators.sln above {AppContext.BaseDirectory}.");
    }
}
