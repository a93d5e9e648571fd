using System;

namespace Peft.Methods;

/// <summary>
/// A rule over several arguments of one adapter attribute (AdaLoRA: the target rank below the initial rank,
/// <c>Tinit + Tfinal &lt; TotalSteps</c>). <see cref="Holds"/> reads the arguments by name (defaults for the unwritten
/// ones); the analyzers report <see cref="DiagnosticId"/> at <see cref="Argument"/>, the generator skips a layer that
/// breaks a rule and the runtime's options throw.
/// </summary>
internal sealed class AdapterRule
{
    private readonly Func<Func<string, double>, bool> _holds;

    public AdapterRule(string argument, string text, string diagnosticId, Func<Func<string, double>, bool> holds)
    {
        Argument = argument;
        Text = text;
        DiagnosticId = diagnosticId;
        _holds = holds;
    }

    /// <summary>The argument the diagnostic points at.</summary>
    public string Argument { get; }

    /// <summary>The rule in words, for messages and docs (<c>TargetRank &lt; Rank</c>).</summary>
    public string Text { get; }

    /// <summary>The analyzer diagnostic for a configuration that breaks the rule.</summary>
    public string DiagnosticId { get; }

    /// <summary>Whether the arguments (by name) satisfy the rule.</summary>
    public bool Holds(Func<string, double> argument) => _holds(argument);
}
