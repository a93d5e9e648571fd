using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.CodeFixes;
using Peft.Analyzers.Diagnostics.Analyzers;

namespace Peft.Analyzers.Tests.Descriptors;

/// <summary>
/// The descriptor table is complete and consistent: every descriptor is reported by an
/// analyzer, has a docs page its help link points at, and is listed in the release tracking
/// file with its severity.
/// </summary>
public sealed class DiagnosticDescriptorTests
{
    private const string HelpLinkBase = "https://github.com/peft-generators/Peft.Generators/blob/main/docs/diagnostics/";

    private static readonly Assembly AnalyzerAssembly = typeof(LoRAPlusRatioAnalyzer).Assembly;

    /// <summary>The table, read by reflection (it is internal).</summary>
    private static readonly DiagnosticDescriptor[] Table = AnalyzerAssembly
        .GetType("Peft.Analyzers.Diagnostics.DiagnosticDescriptors", throwOnError: true)!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToArray();

    private static readonly DiagnosticAnalyzer[] Analyzers = AnalyzerAssembly.GetTypes()
        .Where(type => type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToArray();

    public static TheoryData<string> Ids => [.. Table.Select(descriptor => descriptor.Id)];

    /// <summary>
    /// Each family of rules owns a block of ids: adapters from PEFT0001, PEFT0012–0029, the module generator from PEFT0030,
    /// class-level targets from PEFT0040.
    /// </summary>
    private static readonly (int First, int Last)[] Blocks = [(1, 11), (12, 29), (30, 39), (40, 99)];

    [Fact]
    public void Ids_are_unique_and_numbered_from_the_start_of_their_block_without_gaps()
    {
        int[] numbers = Table.Select(descriptor => int.Parse(descriptor.Id["PEFT".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.All(Table, descriptor => Assert.Matches("^PEFT[0-9]{4}$", descriptor.Id));
        Assert.Equal(numbers.Length, numbers.Distinct().Count());
        foreach (var (first, last) in Blocks)
        {
            int[] used = numbers.Where(n => n >= first && n <= last).Order().ToArray();
            Assert.Equal(Enumerable.Range(first, used.Length), used);
        }

        Assert.All(numbers, n => Assert.Contains(Blocks, block => n >= block.First && n <= block.Last));
        Assert.True(Table.Length >= 11);
    }

    [Fact]
    public void Every_descriptor_is_reported_by_exactly_one_analyzer()
    {
        var supported = Analyzers.SelectMany(analyzer => analyzer.SupportedDiagnostics).ToArray();
        Assert.Equal(
            Table.Select(descriptor => descriptor.Id).Order(StringComparer.Ordinal),
            supported.Select(descriptor => descriptor.Id).Order(StringComparer.Ordinal));
        Assert.All(supported, descriptor => Assert.Contains(descriptor, Table));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Help_link_points_at_the_docs_page_which_exists(string id)
    {
        DiagnosticDescriptor descriptor = Table.Single(d => d.Id == id);
        Assert.Equal(HelpLinkBase + id + ".md", descriptor.HelpLinkUri);

        string page = RepositoryPaths.Get($"docs/diagnostics/{id}.md");
        Assert.True(File.Exists(page), $"{id} has no page at {page}");
        string text = File.ReadAllText(page);
        Assert.StartsWith($"# {id}: {descriptor.Title}", text, StringComparison.Ordinal);
        foreach (string section in new[] { "## What", "## Why", "## How to fix", "## Example" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        Assert.Contains($"`{descriptor.DefaultSeverity}`", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Release_tracking_lists_id_category_and_severity(string id)
    {
        DiagnosticDescriptor descriptor = Table.Single(d => d.Id == id);
        string unshipped = File.ReadAllText(RepositoryPaths.Get("src/Peft.Analyzers/AnalyzerReleases.Unshipped.md"));
        Assert.Matches(
            new Regex($@"^{id} \| {Regex.Escape(descriptor.Category)} \| {descriptor.DefaultSeverity} \|", RegexOptions.Multiline),
            unshipped);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Overview_page_lists_the_rule(string id)
    {
        string overview = File.ReadAllText(RepositoryPaths.Get("docs/analyzers.md"));
        Assert.Contains($"[{id}](diagnostics/{id}.md)", overview, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptors_are_enabled_with_title_message_and_description(string id)
    {
        DiagnosticDescriptor descriptor = Table.Single(d => d.Id == id);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString()));
        Assert.EndsWith(".", descriptor.Description.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Code_fixes_use_the_batch_fixer_and_fix_known_ids()
    {
        CodeFixProvider[] fixes = [new LoRAPlusRatioCodeFixProvider(), new MakeTypePartialCodeFixProvider(), new TargetModuleCodeFixProvider()];
        Assert.All(fixes, fix =>
        {
            Assert.Same(WellKnownFixAllProviders.BatchFixer, fix.GetFixAllProvider());
            Assert.All(fix.FixableDiagnosticIds, id => Assert.Contains(id, Table.Select(d => d.Id)));
        });
    }
}
