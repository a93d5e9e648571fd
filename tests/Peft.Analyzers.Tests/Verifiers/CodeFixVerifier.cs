using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Peft.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and a code fix: the marked diagnostics must be reported in
/// <c>source</c>, and applying the fix (one at a time and with Fix All) must give <c>fixedSource</c>.
/// </summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource };
        return test.RunAsync();
    }

    /// <summary>The code-fix test with the offline references.</summary>
    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = PeftReferences.ReferenceAssemblies;
            TestState.AdditionalReferences.AddRange(PeftReferences.All);
        }
    }
}
