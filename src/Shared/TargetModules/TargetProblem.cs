namespace Peft.TargetModules;

/// <summary>What is wrong with one target of a class's adapter attributes (see <see cref="TargetCheck"/>).</summary>
internal enum TargetProblemKind
{
    /// <summary>The name matches no Linear, or matches a module that is not a Linear (PEFT0040).</summary>
    NoLinear,

    /// <summary>A Linear it matches is already claimed by an earlier attribute of the class (PEFT0041).</summary>
    ClaimedTwice,

    /// <summary>The Linear layers one attribute targets do not share one element type float or double (PEFT0042).</summary>
    ElementType,
}

/// <summary>One problem: which attribute (in declaration order) and which of its targets, and the text the diagnostic shows.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Attribute">The attribute's index among the class's adapter attributes.</param>
/// <param name="Target">The target's index in that attribute's <c>TargetModules</c>.</param>
/// <param name="Detail">For <see cref="TargetProblemKind.NoLinear"/> the explanation after the message; else the path concerned.</param>
/// <param name="Suggestion">The did-you-mean replacement, if one.</param>
/// <param name="OtherAttribute">For <see cref="TargetProblemKind.ClaimedTwice"/>: the attribute that claimed the layer first.</param>
/// <param name="OtherTarget">For <see cref="TargetProblemKind.ClaimedTwice"/>: the name it claimed it with.</param>
internal sealed record TargetProblem(
    TargetProblemKind Kind,
    int Attribute,
    int Target,
    string Detail,
    string? Suggestion = null,
    int OtherAttribute = -1,
    string OtherTarget = "");
