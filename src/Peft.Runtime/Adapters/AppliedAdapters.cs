using System.Runtime.CompilerServices;
using Peft.IO;

namespace Peft;

/// <summary>
/// What the user asked for, per adapter of a model (PEFT's <c>PeftModel.peft_config</c>): the <c>target_modules</c>
/// and <c>modules_to_save</c> as given to <see cref="ModuleAdapterExtensions.Apply"/> or read by <c>LoadAdapter</c>,
/// so that <c>SaveAdapter</c> writes them back as given rather than as the full paths they matched.
/// </summary>
internal static class AppliedAdapters
{
    private static readonly ConditionalWeakTable<Module, Dictionary<string, AppliedAdapter?>> Table = new();

    /// <summary>Records <paramref name="applied"/>; a second record for the same adapter joins the name lists (a pattern cannot be joined: the record is dropped).</summary>
    public static void Record(Module model, string adapterName, AppliedAdapter applied)
    {
        var adapters = Table.GetOrCreateValue(model);
        lock (adapters)
        {
            if (!adapters.TryGetValue(adapterName, out var previous))
            {
                adapters[adapterName] = applied;
            }
            else if (previous is null || previous.TargetModules.Names is null || applied.TargetModules.Names is null)
            {
                adapters[adapterName] = null;
            }
            else
            {
                adapters[adapterName] = new AppliedAdapter(
                    PeftTargetModules.FromNames(previous.TargetModules.Names.Union(applied.TargetModules.Names)),
                    Join(previous.ModulesToSave, applied.ModulesToSave),
                    previous.Template ?? applied.Template);
            }
        }
    }

    /// <summary>The record of <paramref name="adapterName"/>, or <see langword="null"/>.</summary>
    public static AppliedAdapter? Find(Module model, string adapterName)
    {
        if (!Table.TryGetValue(model, out var adapters))
        {
            return null;
        }

        lock (adapters)
        {
            return adapters.GetValueOrDefault(adapterName);
        }
    }

    /// <summary>Forgets <paramref name="adapterName"/> (the adapter was deleted).</summary>
    public static void Forget(Module model, string adapterName)
    {
        if (Table.TryGetValue(model, out var adapters))
        {
            lock (adapters)
            {
                adapters.Remove(adapterName);
            }
        }
    }

    private static IReadOnlyList<string>? Join(IReadOnlyList<string>? first, IReadOnlyList<string>? second) =>
        first is null ? second : second is null ? first : [.. first.Union(second)];
}

/// <summary>
/// An adapter's <c>target_modules</c> and <c>modules_to_save</c> as the user gave them, and for a loaded adapter its
/// whole config (the template of a later save, as PEFT saves the <c>peft_config</c> it loaded).
/// </summary>
internal sealed record AppliedAdapter(PeftTargetModules TargetModules, IReadOnlyList<string>? ModulesToSave, PeftAdapterConfig? Template = null);
