using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Peft.ModuleAnalysis;

/// <summary>
/// Decides whether a module's <c>Forward</c> can be differentiated by chaining its member modules'
/// <c>Backward</c> methods in reverse, and builds the <see cref="ForwardGraph"/> the generator writes
/// that <c>Backward</c> from. Supported bodies: an expression body, or local declarations, assignments
/// to locals and a final <c>return</c>, where every value is the parameter, a local, or a call
/// <c>Member.Forward(values…)</c> on a member module whose type has the matching <c>Backward</c>.
/// Anything else is a <see cref="ForwardProblem"/> that names the statement and why.
/// </summary>
internal sealed class ForwardAnalysis
{
    private readonly INamedTypeSymbol _owner;
    private readonly IMethodSymbol _forward;
    private readonly ITypeSymbol _element;
    private readonly SemanticModel _model;
    private readonly CancellationToken _token;
    private readonly Dictionary<ILocalSymbol, int> _locals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ILocalSymbol, int> _assignments = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, SyntaxNode> _calledMembers = new(SymbolEqualityComparer.Default);
    private readonly List<CallBuilder> _calls = [];
    private readonly List<ForwardProblem> _problems = [];
    private bool _broken;

    private ForwardAnalysis(INamedTypeSymbol owner, IMethodSymbol forward, ITypeSymbol element, SemanticModel model, CancellationToken token)
    {
        _owner = owner;
        _forward = forward;
        _element = element;
        _model = model;
        _token = token;
    }

    /// <summary>The graph (null when there are problems or the code does not compile).</summary>
    public ForwardGraph? Graph { get; private set; }

    /// <summary>Why there is no graph; empty when there is one, or when the code has compile errors (the compiler reports those).</summary>
    public ImmutableArray<ForwardProblem> Problems => _problems.ToImmutableArray();

    /// <summary>Analyzes <paramref name="forward"/> (found by <see cref="ModuleSymbols.FindForward"/>) declared by <paramref name="syntax"/>.</summary>
    public static ForwardAnalysis Run(
        INamedTypeSymbol owner, IMethodSymbol forward, ITypeSymbol element, MethodDeclarationSyntax syntax, SemanticModel model, CancellationToken token)
    {
        var analysis = new ForwardAnalysis(owner, forward, element, model, token);
        analysis.Analyze(syntax);
        return analysis;
    }

    private void Analyze(MethodDeclarationSyntax syntax)
    {
        if (syntax.ContainsDiagnostics)
        {
            return;
        }

        var source = ImmutableArray.CreateBuilder<string>();
        int? result = null;
        if (_forward.Parameters[0].RefKind != RefKind.None)
        {
            Report(syntax.ParameterList, "the parameter is passed by reference (ref/in/out); Forward takes its tensor by value");
        }
        else if (syntax.ExpressionBody is { } arrow)
        {
            source.Add("return " + OneLine(arrow.Expression) + ";");
            result = Value(arrow.Expression, arrow.Expression);
        }
        else if (syntax.Body is { } body)
        {
            SyntaxList<StatementSyntax> statements = body.Statements;
            for (int i = 0; i < statements.Count; i++)
            {
                _token.ThrowIfCancellationRequested();
                StatementSyntax statement = statements[i];
                source.Add(OneLine(statement));
                if (statement is ReturnStatementSyntax { Expression: { } returned } && i == statements.Count - 1)
                {
                    result = Value(returned, statement);
                }
                else
                {
                    Statement(statement);
                }
            }
        }

        if (_broken || _problems.Count != 0 || result is not int resultValue)
        {
            return;
        }

        if (resultValue == 0)
        {
            Report(ReturnNode(syntax), "Forward returns its input unchanged; there is no module to differentiate through");
            return;
        }

        CheckEveryCallReachesResult(resultValue);
        if (_problems.Count != 0)
        {
            return;
        }

        var sizedBy = SizeSources(resultValue, syntax.ParameterList.Parameters[0]);
        if (_problems.Count != 0)
        {
            return;
        }

        var calls = ImmutableArray.CreateBuilder<ForwardCall>(_calls.Count);
        for (int i = 0; i < _calls.Count; i++)
        {
            CallBuilder call = _calls[i];
            calls.Add(new ForwardCall(call.Member.Name, call.Name, call.Arguments.ToImmutableArray(), call.RecordsInputs, sizedBy[i + 1]));
        }

        Graph = new ForwardGraph(
            ModuleSymbols.ElementName(_element), _forward.Parameters[0].Name, calls.MoveToImmutable(), resultValue, sizedBy[0], source.ToImmutable());
    }

    private void Statement(StatementSyntax statement)
    {
        switch (statement)
        {
            case LocalDeclarationStatementSyntax { IsConst: false, UsingKeyword.RawKind: 0, Declaration.Type: not RefTypeSyntax } declaration:
                foreach (VariableDeclaratorSyntax variable in declaration.Declaration.Variables)
                {
                    if (_model.GetDeclaredSymbol(variable, _token) is not ILocalSymbol local)
                    {
                        _broken = true;
                        return;
                    }

                    _locals[local] = variable.Initializer is { } initializer ? Value(initializer.Value, statement) ?? -1 : -1;
                    NameLastCall(local, variable.Initializer?.Value);
                }

                break;

            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment }:
                if (_model.GetSymbolInfo(assignment.Left, _token).Symbol is ILocalSymbol target && _locals.ContainsKey(target))
                {
                    _locals[target] = Value(assignment.Right, statement) ?? -1;
                    NameLastCall(target, assignment.Right);
                }
                else
                {
                    Report(statement, $"it assigns to '{OneLine(assignment.Left)}', which is not a local variable of Forward (storing a tensor elsewhere is a side effect Backward cannot see)");
                }

                break;

            case ReturnStatementSyntax:
                Report(statement, "a return before the end of Forward is a branch; Backward needs one path");
                break;

            case ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                Report(statement, "it is a loop; Backward is written for a fixed sequence of module calls");
                break;

            case IfStatementSyntax or SwitchStatementSyntax:
                Report(statement, "it is a branch; Backward is written for a fixed sequence of module calls");
                break;

            case ExpressionStatementSyntax:
                Report(statement, "its result is not kept; only local declarations, assignments to locals and a final return are differentiable");
                break;

            default:
                Report(statement, "only local declarations, assignments to locals and a final return are differentiable");
                break;
        }
    }

    /// <summary>The value an expression computes, or null after reporting why it has none.</summary>
    private int? Value(ExpressionSyntax expression, SyntaxNode statement)
    {
        // (value) and value! are the value.
        while (expression is ParenthesizedExpressionSyntax or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
        {
            expression = expression is ParenthesizedExpressionSyntax parenthesized
                ? parenthesized.Expression
                : ((PostfixUnaryExpressionSyntax)expression).Operand;
        }

        switch (expression)
        {
            case IdentifierNameSyntax identifier:
                ISymbol? symbol = _model.GetSymbolInfo(identifier, _token).Symbol;
                if (symbol is IParameterSymbol parameter && SymbolEqualityComparer.Default.Equals(parameter, _forward.Parameters[0]))
                {
                    return 0;
                }

                if (symbol is ILocalSymbol local && _locals.TryGetValue(local, out int value) && value >= 0)
                {
                    return value;
                }

                if (symbol is null || symbol is ILocalSymbol { } known && _locals.ContainsKey(known))
                {
                    // Unresolved (a compile error) or a local whose value was already reported.
                    _broken |= symbol is null;
                    return null;
                }

                Report(statement, $"'{identifier.Identifier.ValueText}' is neither Forward's parameter nor a local holding a module's output");
                return null;

            case InvocationExpressionSyntax invocation:
                return Call(invocation, statement);

            case BinaryExpressionSyntax binary:
                Report(statement, $"'{OneLine(binary)}' is arithmetic on tensors; use a module (Peft.Add<T> for a sum) so that Backward can chain it");
                return null;

            default:
                Report(statement, $"'{OneLine(expression)}' is not a member module's Forward call, the parameter or a local");
                return null;
        }
    }

    private int? Call(InvocationExpressionSyntax invocation, SyntaxNode statement)
    {
        if (_model.GetSymbolInfo(invocation, _token).Symbol is not IMethodSymbol method)
        {
            _broken = true;
            return null;
        }

        string text = OneLine(invocation);
        if (method.Name != "Forward" || method.IsStatic || invocation.Expression is not MemberAccessExpressionSyntax access)
        {
            Report(statement, $"'{text}' calls {method.ContainingType.Name}.{method.Name}, which is not the Forward of a member module");
            return null;
        }

        ISymbol? member = _model.GetSymbolInfo(access.Expression, _token).Symbol;
        bool onThis = access.Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax };
        ITypeSymbol? memberType = member switch
        {
            IFieldSymbol { IsStatic: false } field => field.Type,
            IPropertySymbol { IsStatic: false, IsIndexer: false } property => property.Type,
            _ => null,
        };
        if (!onThis || memberType is null || !ModuleSymbols.IsModule(memberType))
        {
            Report(statement, $"'{text}' calls Forward on '{OneLine(access.Expression)}', which is not a module member of {_owner.Name}");
            return null;
        }

        if (!TakesTensors(method) || invocation.ArgumentList.Arguments.Count != method.Parameters.Length)
        {
            Report(statement, $"{memberType.Name}.Forward in '{text}' takes parameters other than Tensor<{_element.Name}> inputs");
            return null;
        }

        int inputs = method.Parameters.Length;
        if (!HasBackward(memberType, inputs))
        {
            string gradients = string.Concat(Enumerable.Repeat($", Tensor<{_element.Name}>? inputGradient", inputs));
            Report(statement, $"{member!.Name} ({memberType.Name}) has no Backward(Tensor<{_element.Name}> outputGradient{gradients}) to chain through");
            return null;
        }

        var arguments = new List<int>(inputs);
        foreach (ArgumentSyntax argument in invocation.ArgumentList.Arguments)
        {
            if (argument.RefKindKeyword.RawKind != 0 || argument.NameColon is not null)
            {
                Report(statement, $"'{text}' passes '{OneLine(argument)}' by reference or by name; pass the tensors by value, in order");
                return null;
            }

            if (Value(argument.Expression, statement) is not int value)
            {
                return null;
            }

            arguments.Add(value);
        }

        // Arguments run first: in Hidden.Forward(Hidden.Forward(x)) the outer call is the second.
        if (_calledMembers.ContainsKey(member!))
        {
            _problems.Add(new ForwardProblem(ForwardProblemKind.ModuleCalledTwice, invocation.GetLocation(), OneLine(statement),
                $"'{member!.Name}' is called a second time, and its second Forward overwrites the input and the output that the first call's Backward needs (use one member per call)"));
            return null;
        }

        _calledMembers.Add(member!, invocation);

        _calls.Add(new CallBuilder(member!, arguments, RecordsInputs(memberType)));
        return _calls.Count;
    }

    /// <summary>Names the value just computed after the local it is stored in (<c>var h = Hidden.Forward(x)</c> → <c>h</c>).</summary>
    private void NameLastCall(ILocalSymbol local, ExpressionSyntax? value)
    {
        while (value is ParenthesizedExpressionSyntax parenthesized)
        {
            value = parenthesized.Expression;
        }

        if (value is InvocationExpressionSyntax && _locals.TryGetValue(local, out int id) && id > 0 && _calls[id - 1].Local is null)
        {
            // A local assigned again names its next value with a prime: h, h′, h″.
            _assignments.TryGetValue(local, out int count);
            _assignments[local] = count + 1;
            _calls[id - 1].Local = local.Name + new string('′', count);
        }
    }

    /// <summary>Every call's output must flow into the result; otherwise its module would get no gradient.</summary>
    private void CheckEveryCallReachesResult(int result)
    {
        var reaches = new bool[_calls.Count + 1];
        reaches[result] = true;
        for (int i = _calls.Count - 1; i >= 0; i--)
        {
            if (reaches[i + 1])
            {
                foreach (int argument in _calls[i].Arguments)
                {
                    reaches[argument] = true;
                }
            }
        }

        for (int i = 0; i < _calls.Count; i++)
        {
            if (!reaches[i + 1])
            {
                SyntaxNode call = _calledMembers[_calls[i].Member];
                Report(call, $"the output of '{OneLine(call)}' does not reach the value Forward returns, so {_calls[i].Member.Name} would get no gradient");
            }
        }
    }

    /// <summary>
    /// For the parameter and each intermediate value, the first consumer that hands back its inputs:
    /// its <c>ForwardInput(position)</c> is that value, whose shape the gradient buffer takes (and, for the
    /// parameter, what the generated <c>ForwardInput(0)</c> returns). (−1, −1) for the result.
    /// </summary>
    private (int Call, int Position)[] SizeSources(int result, SyntaxNode parameter)
    {
        var sources = new (int Call, int Position)[_calls.Count + 1];
        for (int value = 0; value <= _calls.Count; value++)
        {
            sources[value] = (-1, -1);
            if (value == result)
            {
                continue;
            }

            for (int consumer = value; consumer < _calls.Count && sources[value].Call < 0; consumer++)
            {
                int position = _calls[consumer].Arguments.IndexOf(value);
                if (position >= 0 && _calls[consumer].RecordsInputs)
                {
                    sources[value] = (consumer, position);
                }
            }

            if (sources[value].Call >= 0)
            {
                continue;
            }

            string modules = $"goes only to modules that do not hand back their inputs (Peft.IForwardInputs<{_element.Name}>)";
            if (value == 0)
            {
                Report(parameter, $"the input '{_forward.Parameters[0].Name}' {modules}, so the generated ForwardInput cannot return it");
            }
            else
            {
                SyntaxNode call = _calledMembers[_calls[value - 1].Member];
                Report(call, $"the output of '{OneLine(call)}' {modules}, so its gradient buffer cannot be sized");
            }
        }

        return sources;
    }

    private bool TakesTensors(IMethodSymbol method)
    {
        if (method.Parameters.Length == 0 || !IsTensor(method.ReturnType))
        {
            return false;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || !IsTensor(parameter.Type))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A public <c>void Backward(Tensor&lt;T&gt; outputGradient, Tensor&lt;T&gt;? inputGradient × inputs)</c>, or a Backward the generator writes.</summary>
    private bool HasBackward(ITypeSymbol memberType, int inputs)
    {
        foreach (INamedTypeSymbol type in TypeAndBases(memberType))
        {
            foreach (ISymbol candidate in type.GetMembers("Backward"))
            {
                if (candidate is IMethodSymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public, ReturnsVoid: true } backward &&
                    backward.Parameters.Length == inputs + 1 &&
                    backward.Parameters.All(p => p.RefKind == RefKind.None && IsTensor(p.Type)))
                {
                    return true;
                }
            }
        }

        return inputs == 1 && ModuleSymbols.IsGeneratedLayer(memberType, _element, _token);
    }

    /// <summary>Whether the member's type has a public <c>ForwardInput(int)</c> of <c>Peft.IForwardInputs&lt;T&gt;</c>, or gets one generated.</summary>
    private bool RecordsInputs(ITypeSymbol memberType)
    {
        bool implements = memberType.AllInterfaces.Any(i =>
            i is { Name: "IForwardInputs", Arity: 1, ContainingNamespace.Name: "Peft" } && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], _element));
        if (implements)
        {
            foreach (INamedTypeSymbol type in TypeAndBases(memberType))
            {
                if (type.GetMembers("ForwardInput").Any(m => m is IMethodSymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public, Parameters.Length: 1 }))
                {
                    return true;
                }
            }
        }

        return ModuleSymbols.IsGeneratedLayer(memberType, _element, _token);
    }

    private bool IsTensor(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(ModuleSymbols.TensorElement(type), _element);

    private static IEnumerable<INamedTypeSymbol> TypeAndBases(ITypeSymbol type)
    {
        IEnumerable<ITypeSymbol> roots = type is ITypeParameterSymbol parameter ? parameter.ConstraintTypes : new[] { type };
        foreach (ITypeSymbol root in roots)
        {
            for (INamedTypeSymbol? current = root as INamedTypeSymbol; current is not null; current = current.BaseType)
            {
                yield return current;
            }
        }
    }

    private static SyntaxNode ReturnNode(MethodDeclarationSyntax syntax) =>
        (SyntaxNode?)syntax.ExpressionBody?.Expression ?? syntax.Body!.Statements.Last();

    private void Report(SyntaxNode node, string reason) =>
        _problems.Add(new ForwardProblem(ForwardProblemKind.NotDifferentiable, node.GetLocation(), OneLine(node), reason));

    /// <summary>The node's text on one line, whitespace collapsed, shortened to 100 characters.</summary>
    internal static string OneLine(SyntaxNode node)
    {
        string text = Regex.Replace(node.ToString(), @"\s+", " ").Trim();
        return text.Length <= 100 ? text : text.Substring(0, 99) + "…";
    }

    private sealed class CallBuilder(ISymbol member, List<int> arguments, bool recordsInputs)
    {
        public ISymbol Member { get; } = member;

        public List<int> Arguments { get; } = arguments;

        public bool RecordsInputs { get; } = recordsInputs;

        public string? Local { get; set; }

        public string Name => Local ?? (char.ToLowerInvariant(Member.Name[0]) + Member.Name.Substring(1));
    }
}
