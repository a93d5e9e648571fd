namespace Peft.TargetModules;

/// <summary>One described module of a <see cref="ModuleGraph"/>.</summary>
/// <param name="Segments">The path's segments; a <c>ModuleList</c> index is <see cref="ModuleGraph.IndexSegment"/>.</param>
/// <param name="TypeName">The module's type name without type arguments (<c>Linear</c>, <c>LlamaMLP</c>).</param>
/// <param name="LinearElementType"><c>float</c> or <c>double</c> for a <c>Linear&lt;T&gt;</c> (empty for another T); null for other modules.</param>
internal sealed record ModuleNode(string[] Segments, string TypeName, string? LinearElementType)
{
    /// <summary>The path as messages show it: <c>model.layers.{i}.self_attn.q_proj</c>.</summary>
    public string Path => string.Join(".", Segments);

    /// <summary>The last segment: the name a target usually gives (<c>q_proj</c>).</summary>
    public string Name => Segments[Segments.Length - 1];

    /// <summary>Whether the module is a Linear (an adapter target).</summary>
    public bool IsLinear => LinearElementType is not null;
}
