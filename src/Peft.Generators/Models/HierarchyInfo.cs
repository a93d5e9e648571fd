using System.Text;
using Peft.Generators.Helpers;

namespace Peft.Generators.Models;

/// <summary>
/// Where a model type lives: its namespace and its chain of containing types (outermost first,
/// the model itself last). Symbol-free, so it can key the incremental pipeline.
/// </summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Types">The containing types, outermost first; the last one is the model.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> Types)
{
    /// <summary>A unique, stable hint name for the generated file: <c>Ns.Outer+Model`1.g.cs</c>.</summary>
    public string HintName
    {
        get
        {
            var builder = new StringBuilder();
            if (Namespace.Length != 0)
            {
                builder.Append(Namespace).Append('.');
            }

            for (int i = 0; i < Types.Length; i++)
            {
                if (i != 0)
                {
                    builder.Append('+');
                }

                builder.Append(Types[i].MetadataName);
            }

            return builder.Append(".g.cs").ToString();
        }
    }

    /// <summary>The model's C# name including containing types, for comments: <c>Outer&lt;T&gt;.Model</c>.</summary>
    public string DisplayName
    {
        get
        {
            var builder = new StringBuilder();
            for (int i = 0; i < Types.Length; i++)
            {
                if (i != 0)
                {
                    builder.Append('.');
                }

                builder.Append(Types[i].DisplayName);
            }

            return builder.ToString();
        }
    }
}
