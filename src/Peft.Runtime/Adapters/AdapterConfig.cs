namespace Peft;

/// <summary>
/// Which layers of a model get an adapter at run time, as PEFT's <c>LoraConfig</c>: either
/// <see cref="TargetModules"/> (a module matches when its path equals a name or ends with
/// <c>"." + name</c>, e.g. <c>q_proj</c>) or <see cref="TargetPattern"/> (a regular expression that
/// must match the whole path). Used by <see cref="ModuleAdapterExtensions.Apply"/>.
/// </summary>
public sealed record AdapterConfig
{
    /// <summary>The adapter to attach (LoRA, LoRA+ or MoRA options).</summary>
    public required AdapterOptions Options { get; init; }

    /// <summary>Names matched against the end of each module path; set this or <see cref="TargetPattern"/>.</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }

    /// <summary>A regular expression matched against the whole module path; set this or <see cref="TargetModules"/>.</summary>
    public string? TargetPattern { get; init; }

    /// <summary>The adapter's name on every targeted layer (PEFT's <c>adapter_name</c>).</summary>
    public string AdapterName { get; init; } = LinearAdapterExtensions.DefaultName;
}
