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

    /// <summary>
    /// PEFT's <c>modules_to_save</c>: modules (for example <c>lm_head</c>) trained in full beside the adapter and saved
    /// with it. A module matches when its path ends with a name (PEFT's plain string suffix); its parameters stay
    /// trainable while the rest of the base is frozen, and their values before training are kept in a frozen
    /// <c>original_module</c> child (PEFT's original). Modules to save are not adapter targets.
    /// </summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>The adapter's name on every targeted layer (PEFT's <c>adapter_name</c>).</summary>
    public string AdapterName { get; init; } = LinearAdapterExtensions.DefaultName;
}
