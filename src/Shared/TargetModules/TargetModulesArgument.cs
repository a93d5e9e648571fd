using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Peft.TargetModules;

/// <summary>The <c>TargetModules</c> argument of an adapter attribute, as the generator and the analyzer read it.</summary>
internal static class TargetModulesArgument
{
    /// <summary>The argument's name on every adapter attribute that has it.</summary>
    public const string Name = "TargetModules";

    /// <summary>Whether <paramref name="attribute"/> sets <c>TargetModules</c> at all.</summary>
    public static bool IsSet(AttributeData attribute)
    {
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == Name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The names when <c>TargetModules</c> is a constant array of at least one non-empty string; otherwise false
    /// (absent, null, empty, or holding a null or empty name), with <paramref name="reason"/> saying which.
    /// </summary>
    public static bool TryRead(AttributeData attribute, out List<string> targets, out string reason)
    {
        targets = [];
        reason = "it has no TargetModules (name the Linear modules to adapt, as PEFT's target_modules)";
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key != Name)
            {
                continue;
            }

            TypedConstant value = named.Value;
            if (value.Kind != TypedConstantKind.Array || value.IsNull || value.Values.Length == 0)
            {
                reason = "its TargetModules is empty (name at least one Linear module)";
                return false;
            }

            foreach (TypedConstant element in value.Values)
            {
                if (element.Value is not string { Length: > 0 } target)
                {
                    reason = "its TargetModules holds a null or empty name";
                    targets.Clear();
                    return false;
                }

                targets.Add(target);
            }

            return true;
        }

        return false;
    }
}
