using System.Text.RegularExpressions;
using Peft.IO;

namespace Peft;

/// <summary>
/// Adapters across a whole model: the runtime <see cref="Apply"/> (targets chosen by name, as PEFT's
/// <c>target_modules</c>) and model-wide merge, unmerge, selection, disabling and deletion. Layers of
/// both <c>Linear&lt;float&gt;</c> and <c>Linear&lt;double&gt;</c> take part; LoRA also attaches to
/// <see cref="Embedding{T}"/> (PEFT's <c>lora.Embedding</c>), and merge / unmerge include those.
/// </summary>
public static partial class ModuleAdapterExtensions
{
    /// <summary>
    /// Attaches <paramref name="config"/>'s adapter to every <c>Linear</c> whose path it targets and
    /// returns those paths (in module order). A targeted <see cref="Embedding{T}"/> takes LoRA (and LoRA+,
    /// whose difference lies in the optimizer only) as <see cref="EmbeddingLoRAAdapter{T}"/>, as PEFT wraps a
    /// targeted <c>nn.Embedding</c> in <c>lora.Embedding</c>. With <see cref="AdapterOptions.FreezeBase"/> (the default)
    /// every parameter of the model outside an adapter is frozen first, as PEFT's <c>get_peft_model</c>
    /// does, so that only the adapters (and <see cref="AdapterConfig.ModulesToSave"/>) train; see
    /// <see cref="CountTrainableParameters"/>. The targets are remembered as given, for <c>SaveAdapter</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Neither or both target forms are set, nothing matches (the
    /// message lists the Linear and Embedding paths), a matched module cannot take the method (not a Linear,
    /// or an Embedding with a method other than LoRA), or the options do not fit a layer (the message names its path).</exception>
    public static IReadOnlyList<string> Apply(this Module model, AdapterConfig config) => ApplyWith(model, config, attachLinear: null);

    /// <summary>
    /// <see cref="Apply(Module, AdapterConfig)"/>, attaching each targeted <c>Linear</c> through <paramref name="attachLinear"/>
    /// when given (a generated model's kernels, <c>ModuleAdapterExtensions.Kernels.cs</c>), else with the runtime kernel.
    /// </summary>
    private static IReadOnlyList<string> ApplyWith(Module model, AdapterConfig config, Func<Module, string, AdapterOptions, object>? attachLinear)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(config.Options);
        var matches = Matcher(config);
        var toSave = ModulesToSave(model, config);
        var targets = new List<KeyValuePair<string, Module>>();
        foreach (var (path, module) in model.NamedModules())
        {
            // As PEFT, a module to save is copied whole and never targeted (nor is anything inside it).
            if (path.Length == 0 || IsAdapter(module) || !matches(path) || toSave.Any(m => path == m.Key || path.StartsWith(m.Key + ".", StringComparison.Ordinal)))
            {
                continue;
            }

            if (module is Embedding<float> or Embedding<double>)
            {
                if (!config.Options.AppliesToEmbeddings)
                {
                    throw new ArgumentException(
                        $"Target module '{path}' is an Embedding; only LoRA (and LoRA+) attach to embeddings, not {config.Options.GetType().Name}.", nameof(config));
                }
            }
            else if (module is not (Linear<float> or Linear<double>))
            {
                throw new ArgumentException(
                    $"Target module '{path}' is a {module.GetType().Name}; adapters attach to Linear (and, for LoRA, Embedding) layers only.", nameof(config));
            }

            targets.Add(new(path, module));
        }

        if (targets.Count == 0)
        {
            var linears = model.NamedModules()
                .Where(m => m.Value is Linear<float> or Linear<double> or Embedding<float> or Embedding<double>).Select(m => m.Key).ToList();
            throw new ArgumentException(
                $"No module matches {Describe(config)}. Linear and Embedding layers: {(linears.Count == 0 ? "none" : string.Join(", ", linears.Take(20)))}" +
                $"{(linears.Count > 20 ? ", …" : "")}.",
                nameof(config));
        }

        foreach (var (path, module) in toSave)
        {
            ModuleToSaveOriginal.Check(model, path, module, config.AdapterName);
        }

        if (config.Options.FreezeBase)
        {
            FreezeAllButAdapters(model);
        }

        var shared = config.Options.ForTargets(targets.Select(t => t.Value switch
        {
            Linear<float> l => (l.InFeatures, l.OutFeatures),
            Linear<double> l => (l.InFeatures, l.OutFeatures),
            _ => (0, 0),
        }).Where(s => s.Item1 > 0).ToList());
        foreach (var (path, module) in targets)
        {
            var options = ForLayer(shared, path);
            try
            {
                _ = module switch
                {
                    Linear<float> or Linear<double> when attachLinear is not null => attachLinear(module, config.AdapterName, options),
                    Linear<float> single => single.Attach(config.AdapterName, options),
                    Linear<double> wide => wide.Attach(config.AdapterName, options),
                    Embedding<float> table => table.AttachLoRA(config.AdapterName, (LoRAOptions)options),
                    _ => (object)((Embedding<double>)module).AttachLoRA(config.AdapterName, (LoRAOptions)options),
                };
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Layer '{path}': {ex.Message}", nameof(config), ex);
            }
        }

        foreach (var (path, module) in toSave)
        {
            ModuleToSaveOriginal.Mark(model, path, module, config.AdapterName, trainable: true);
        }

        AppliedAdapters.Record(model, config.AdapterName, new AppliedAdapter(
            config.TargetPattern is { } pattern ? PeftTargetModules.FromPattern(pattern) : PeftTargetModules.FromNames(config.TargetModules!),
            config.ModulesToSave is { Count: > 0 } names ? [.. names] : null));
        return targets.Select(t => t.Key).ToList();
    }

    /// <summary>
    /// PEFT's <c>get_nb_trainable_parameters</c> (and, through <see cref="TrainableParameterCount.ToString"/>,
    /// <c>print_trainable_parameters</c>): trainable and total elements, each parameter counted once.
    /// </summary>
    public static TrainableParameterCount CountTrainableParameters(this Module model) => TrainableParameterCount.Of(model);

    /// <summary>
    /// PEFT's <c>_mark_only_adapters_as_trainable</c>: freezes every parameter outside an adapter module, except the
    /// parameters of modules to save, which manage their own state.
    /// </summary>
    internal static void FreezeAllButAdapters(Module model)
    {
        var saved = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in model.NamedModules())
        {
            if (ModuleToSaveOriginal.Of(module) is not null)
            {
                saved.UnionWith(ModuleToSaveOriginal.BaseParameters(module).Select(p => p.Value));
            }
        }

        foreach (var (_, module) in model.NamedModules())
        {
            if (!IsAdapter(module))
            {
                foreach (var parameter in module.OwnParameters)
                {
                    parameter.Trainable &= saved.Contains(parameter);
                }
            }
        }
    }

    /// <summary>
    /// The modules PEFT's <c>_set_trainable</c> wraps for <c>modules_to_save</c>: every module whose path ends with
    /// one of the names (a plain string suffix, as PEFT's <c>key.endswith(name)</c>), outermost first.
    /// </summary>
    private static List<KeyValuePair<string, Module>> ModulesToSave(Module model, AdapterConfig config)
    {
        var found = new List<KeyValuePair<string, Module>>();
        if (config.ModulesToSave is not { Count: > 0 } names)
        {
            return found;
        }

        foreach (var (path, module) in model.NamedModules())
        {
            if (path.Length > 0 && !IsAdapter(module) && names.Any(n => path.EndsWith(n, StringComparison.Ordinal))
                && !found.Any(f => path.StartsWith(f.Key + ".", StringComparison.Ordinal)))
            {
                found.Add(new(path, module));
            }
        }

        if (found.Count == 0)
        {
            throw new ArgumentException(
                $"Modules to save [{string.Join(", ", names)}] not found in the base model. Please check the modules to save and try again.", nameof(config));
        }

        return found;
    }

    /// <summary>Merges every layer's active adapter into its weight, and every enabled, unmerged embedding adapter into its table.</summary>
    public static void MergeAdapters(this Module model)
    {
        ForEachLayer(model, a => a.Merge(), a => a.Merge(), requireActive: true);
        ForEachEmbedding(model, a => { if (a.Enabled && !a.IsMerged) { a.Merge(); } }, a => { if (a.Enabled && !a.IsMerged) { a.Merge(); } });
    }

    /// <summary>Takes every merged adapter (embedding adapters included) back out of the weights.</summary>
    public static void UnmergeAdapters(this Module model)
    {
        ForEachLayer(model, a => a.Unmerge(), a => a.Unmerge(), requireActive: false);
        ForEachEmbedding(model, a => { if (a.IsMerged) { a.Unmerge(); } }, a => { if (a.IsMerged) { a.Unmerge(); } });
    }

    /// <summary>Makes <paramref name="name"/> the active adapter of every layer that has one by that name.</summary>
    /// <exception cref="ArgumentException">No layer has an adapter called <paramref name="name"/>.</exception>
    public static void SetActiveAdapter(this Module model, string name)
    {
        int found = 0;
        ForEachLayer(model,
            a => { if (a.TryGet(name, out _)) { a.SetActive(name); found++; } },
            a => { if (a.TryGet(name, out _)) { a.SetActive(name); found++; } },
            requireActive: false);
        if (found == 0)
        {
            throw new ArgumentException($"No layer has an adapter named '{name}'.", nameof(name));
        }
    }

    /// <summary>Deletes the adapter <paramref name="name"/> from every layer; returns how many were removed.</summary>
    public static int DeleteAdapter(this Module model, string name)
    {
        int removed = 0;
        ForEachLayer(model, a => removed += a.Remove(name) ? 1 : 0, a => removed += a.Remove(name) ? 1 : 0, requireActive: false);
        AppliedAdapters.Forget(model, name);
        return removed;
    }

    /// <summary>Switches every layer's adapters off until the returned scope is disposed.</summary>
    public static IDisposable DisableAdapters(this Module model)
    {
        var scopes = new List<IDisposable>();
        ForEachLayer(model, a => scopes.Add(a.Disable()), a => scopes.Add(a.Disable()), requireActive: false);
        return new ScopeList(scopes);
    }

    /// <summary>
    /// Layers of the same shape must not start from the same A (or LoHa / LoKr factors): the seed is mixed with the
    /// module path (FNV-1a, stable across runs and processes), so every layer draws its own initial values.
    /// </summary>
    private static AdapterOptions ForLayer(AdapterOptions options, string path) => options switch
    {
        LoRAOptions lora => lora with { Seed = PathSeed(lora.Seed, path) },
        LyCORISOptions lycoris => lycoris with { Seed = PathSeed(lycoris.Seed, path) },
        _ => options,
    };

    private static int PathSeed(int seed, string path)
    {
        uint hash = 2166136261;
        foreach (char c in path)
        {
            hash = (hash ^ c) * 16777619;
        }

        return unchecked((int)(hash ^ (uint)seed * 2654435761u));
    }

    private static Func<string, bool> Matcher(AdapterConfig config)
    {
        if ((config.TargetModules is null) == (config.TargetPattern is null))
        {
            throw new ArgumentException("Adapter config needs exactly one of TargetModules and TargetPattern.", nameof(config));
        }

        if (config.TargetPattern is { } pattern)
        {
            // Whole-path match, as PEFT's re.fullmatch.
            var regex = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant);
            return regex.IsMatch;
        }

        var names = config.TargetModules!.ToArray();
        if (names.Length == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Adapter config TargetModules must list at least one non-empty name.", nameof(config));
        }

        return path => names.Any(name => path == name || path.EndsWith("." + name, StringComparison.Ordinal));
    }

    private static string Describe(AdapterConfig config)
        => config.TargetPattern is { } pattern
            ? $"target pattern '{pattern}'"
            : $"target modules [{string.Join(", ", config.TargetModules!)}]";

    private static void ForEachLayer(Module model, Action<LinearAdapters<float>> single, Action<LinearAdapters<double>> @double, bool requireActive)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, module) in model.NamedModules().ToList())
        {
            if (module is Linear<float> { HasAdapters: true } f && (!requireActive || f.Adapters.Active is not null))
            {
                single(f.Adapters);
            }
            else if (module is Linear<double> { HasAdapters: true } d && (!requireActive || d.Adapters.Active is not null))
            {
                @double(d.Adapters);
            }
        }
    }

    private static void ForEachEmbedding(Module model, Action<EmbeddingLoRAAdapter<float>> single, Action<EmbeddingLoRAAdapter<double>> @double)
    {
        foreach (var (_, module) in model.NamedModules().ToList())
        {
            if (module is EmbeddingLoRAAdapter<float> f)
            {
                single(f);
            }
            else if (module is EmbeddingLoRAAdapter<double> d)
            {
                @double(d);
            }
        }
    }

    private static bool IsAdapter(Module module) => module is IAdapterModule;

    private sealed class ScopeList(List<IDisposable> scopes) : IDisposable
    {
        public void Dispose()
        {
            for (int i = scopes.Count - 1; i >= 0; i--)
            {
                scopes[i].Dispose();
            }

            scopes.Clear();
        }
    }
}
