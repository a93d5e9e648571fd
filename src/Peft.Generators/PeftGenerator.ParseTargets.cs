using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;
using Peft.TargetModules;

namespace Peft.Generators;

/// <summary>
/// Extraction of class-level attributes: a class deriving from a library model, annotated with
/// <c>[LoRA(TargetModules = [...])]</c> and the like → <see cref="TargetedModelInfo"/>. The targets are resolved against
/// the model's <see cref="ModuleGraph"/> (its <c>[ModuleName]</c> properties) by <see cref="TargetCheck"/>, the same
/// decision the analyzer reports from (PEFT0040–PEFT0042); an attribute with a problem is left out.
/// </summary>
public sealed partial class PeftGenerator
{
    /// <summary>
    /// Reads every class-level adapter attribute of the class (whichever method's stream found it; the streams are
    /// de-duplicated after). Null when the class cannot take generated code or no attribute is valid.
    /// </summary>
    private static TargetedModelInfo? ParseTargetedModel(GeneratorAttributeSyntaxContext context, CancellationToken token)
    {
        if (context.TargetSymbol is not INamedTypeSymbol model || !IsPartialModel(model, token) || HasMemberAdapters(model))
        {
            return null;
        }

        var attributes = new List<(AttributeData Attribute, AdapterMethodInfo Method)>();
        var targets = new List<IReadOnlyList<string>>();
        foreach (AttributeData attribute in model.GetAttributes())
        {
            if (MethodOf(attribute) is { } method && TargetModulesArgument.TryRead(attribute, out List<string> names, out _))
            {
                attributes.Add((attribute, method));
                targets.Add(names);
            }
        }

        ModuleGraph graph = ModuleGraph.Read(model, token);
        List<TargetProblem> problems = TargetCheck.Check(graph, targets, out string?[] elementTypes);
        var groups = new List<TargetGroupInfo>();
        for (int a = 0; a < attributes.Count; a++)
        {
            if (problems.Any(problem => problem.Attribute == a) ||
                attributes[a].Attribute.ApplicationSyntaxReference?.GetSyntax(token).ContainsDiagnostics != false ||
                ReadAttribute(attributes[a].Attribute, attributes[a].Method.Method, token, classLevel: true) is not { } layer)
            {
                continue;
            }

            IReadOnlyList<string> names = targets[a];
            string[] paths = names
                .SelectMany(name => graph.Match(name))
                .Select(static node => node.Path)
                .Distinct()
                .ToArray();
            groups.Add(new TargetGroupInfo(
                layer with
                {
                    MemberName = KernelStem(names),
                    DeclarationIndex = a,
                    ElementType = elementTypes[a]!,
                    Label = "[" + string.Join(", ", names) + "]",
                },
                new EquatableArray<string>(names.ToArray()),
                new EquatableArray<string>(paths)));
        }

        if (groups.Count == 0)
        {
            return null;
        }

        token.ThrowIfCancellationRequested();
        return new TargetedModelInfo(
            HierarchyReader.Read(model),
            model.BaseType!.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
            new EquatableArray<TargetGroupInfo>(groups.ToArray()),
            new EquatableArray<BaseConstructorInfo>(BaseConstructors(model)));
    }

    /// <summary>Whether a field or property of the class carries an adapter attribute (then the class is a member-level model; PEFT0042).</summary>
    private static bool HasMemberAdapters(INamedTypeSymbol model)
    {
        foreach (ISymbol member in model.GetMembers())
        {
            if (member is IPropertySymbol or IFieldSymbol && HasAdapterAttribute(member))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The kernel's stem from the targets, PascalCased at every non-alphanumeric character: <c>q_proj, v_proj</c> → <c>QProjVProj</c>.</summary>
    private static string KernelStem(IReadOnlyList<string> targets)
    {
        var builder = new StringBuilder();
        foreach (string target in targets)
        {
            bool upper = true;
            foreach (char c in target)
            {
                if (!char.IsLetterOrDigit(c) || c > 127)
                {
                    upper = true;
                    continue;
                }

                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
        }

        return builder.Length == 0 || char.IsDigit(builder[0]) ? "Targets" + builder : builder.ToString();
    }

    /// <summary>
    /// The base constructors (public, protected) the generated part re-declares so that <c>partial class ChatTuning :
    /// LlamaForCausalLM { }</c> compiles as written; none when the class declares a constructor itself, and none that
    /// takes ref, out or in parameters or a default value C# cannot spell as a constant.
    /// </summary>
    private static BaseConstructorInfo[] BaseConstructors(INamedTypeSymbol model)
    {
        if (model.InstanceConstructors.Any(static constructor => !constructor.IsImplicitlyDeclared) || model.BaseType is not { } baseType)
        {
            return [];
        }

        var constructors = new List<BaseConstructorInfo>();
        foreach (IMethodSymbol constructor in baseType.InstanceConstructors)
        {
            string? accessibility = constructor.DeclaredAccessibility switch
            {
                Accessibility.Public => "public",
                Accessibility.Protected or Accessibility.ProtectedOrInternal => "protected",
                _ => null,
            };
            if (accessibility is null || constructor.Parameters.Any(static p => p.RefKind != RefKind.None))
            {
                continue;
            }

            var parameters = new List<string>();
            var arguments = new List<string>();
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                string name = SyntaxFacts.GetKeywordKind(parameter.Name) == SyntaxKind.None ? parameter.Name : "@" + parameter.Name;
                string type = parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat
                    .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
                string? defaultValue = parameter.HasExplicitDefaultValue ? DefaultValue(parameter) : "";
                if (defaultValue is null)
                {
                    parameters.Clear();
                    break;
                }

                parameters.Add($"{(parameter.IsParams ? "params " : "")}{type} {name}{defaultValue}");
                arguments.Add(name);
            }

            if (parameters.Count == constructor.Parameters.Length)
            {
                constructors.Add(new BaseConstructorInfo(accessibility, string.Join(", ", parameters), string.Join(", ", arguments)));
            }
        }

        return constructors.ToArray();
    }

    /// <summary><c> = 0</c>, <c> = null</c>, <c> = (global::E)1</c> for a parameter's default value, or null when not a plain constant.</summary>
    private static string? DefaultValue(IParameterSymbol parameter)
    {
        object? value = parameter.ExplicitDefaultValue;
        if (value is null)
        {
            return " = default";
        }

        if (parameter.Type.TypeKind == TypeKind.Enum)
        {
            return $" = ({parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})({SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false)})";
        }

        if (value is double d && (double.IsNaN(d) || double.IsInfinity(d)) || value is float f && (float.IsNaN(f) || float.IsInfinity(f)) ||
            value is not (string or bool or char or int or long or double or float or uint or ulong or short or ushort or byte or sbyte or decimal))
        {
            return null;
        }

        // An int-looking literal converts to every numeric parameter type except float ("f") and decimal ("m") fractions.
        string literal = SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false);
        return " = " + literal + (value switch { float => "f", decimal => "m", _ => "" });
    }
}
