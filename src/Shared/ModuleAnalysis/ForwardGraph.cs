using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Peft.ModuleAnalysis;

/// <summary>
/// A differentiable <c>Forward</c> as a list of module calls in evaluation order. Values are numbered:
/// 0 is the method's parameter, <c>k ≥ 1</c> the output of <see cref="Calls"/>[k − 1].
/// </summary>
/// <param name="ElementType">The element type as generated code spells it (<c>float</c>, <c>double</c>, <c>T</c>).</param>
/// <param name="Parameter">The parameter's name.</param>
/// <param name="Calls">The module calls in evaluation order (arguments before the call that takes them).</param>
/// <param name="Result">The value Forward returns (never 0).</param>
/// <param name="InputSizedBy">The call and argument position whose <c>ForwardInput</c> is the parameter.</param>
/// <param name="Source">The body as written, one line per statement, for the generated documentation.</param>
internal sealed record ForwardGraph(string ElementType, string Parameter, ImmutableArray<ForwardCall> Calls, int Result, (int Call, int Position) InputSizedBy, ImmutableArray<string> Source)
{
    /// <summary>Compared by value (the arrays element by element), so the generator's pipeline can cache it.</summary>
    public bool Equals(ForwardGraph? other) =>
        other is not null && ElementType == other.ElementType && Parameter == other.Parameter && Result == other.Result &&
        InputSizedBy == other.InputSizedBy &&
        Calls.SequenceEqual(other.Calls) && Source.SequenceEqual(other.Source);

    /// <inheritdoc/>
    public override int GetHashCode() => (ElementType, Parameter, Result, Calls.Length, Source.Length).GetHashCode();
}

/// <summary>One <c>Member.Forward(arguments)</c> call of a differentiable <c>Forward</c>.</summary>
/// <param name="Member">The module member called (each member is called once).</param>
/// <param name="Name">The name of the value it computes: the local it was assigned to, else the member's name in camel case.</param>
/// <param name="Arguments">The values passed, in parameter order.</param>
/// <param name="RecordsInputs">Whether the member's type hands back its inputs (<c>Peft.IForwardInputs&lt;T&gt;</c>).</param>
/// <param name="SizedBy">For an intermediate value: the consumer (call index) and argument position whose <c>ForwardInput</c> sizes its gradient; (−1, −1) for the result.</param>
internal sealed record ForwardCall(string Member, string Name, ImmutableArray<int> Arguments, bool RecordsInputs, (int Call, int Position) SizedBy)
{
    /// <summary>Compared by value (the arguments element by element).</summary>
    public bool Equals(ForwardCall? other) =>
        other is not null && Member == other.Member && Name == other.Name && RecordsInputs == other.RecordsInputs &&
        SizedBy == other.SizedBy && Arguments.SequenceEqual(other.Arguments);

    /// <inheritdoc/>
    public override int GetHashCode() => (Member, Name, Arguments.Length, SizedBy).GetHashCode();
}

/// <summary>Why a <c>Forward</c> gets no generated <c>Backward</c>: the analyzer reports it, the generator skips the method.</summary>
internal enum ForwardProblemKind
{
    /// <summary>A statement or expression that is not a module call, a local, the parameter or a final return.</summary>
    NotDifferentiable,

    /// <summary>A module member called a second time (its saved input and output would be overwritten).</summary>
    ModuleCalledTwice,
}

/// <summary>One reason a <c>Forward</c> cannot be differentiated.</summary>
/// <param name="Kind">The kind (which diagnostic reports it).</param>
/// <param name="Location">The statement or expression.</param>
/// <param name="Statement">The statement, as written (one line, shortened).</param>
/// <param name="Reason">Why, in words.</param>
internal sealed record ForwardProblem(ForwardProblemKind Kind, Location Location, string Statement, string Reason);
