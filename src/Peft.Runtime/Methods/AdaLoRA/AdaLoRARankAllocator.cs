using System.Runtime.InteropServices;
using Peft.IO;
using Peft.Training;

namespace Peft;

/// <summary>
/// AdaLoRA's rank allocation over every AdaLoRA adapter of one name in a model, as PEFT's <c>RankAllocator</c> and
/// <c>AdaLoraModel.update_and_allocate</c> do it. With n adapters of initial rank r, the budget starts at
/// <c>b⁰ = Σ r</c> triplets and ends at <c>b^T = target_r·n</c>; at step t:
/// <code>
///   t ≤ tinit:                 b = b⁰, no masking                         (warm-up)
///   tinit &lt; t &lt; T − tfinal:    b = ⌊(b⁰ − b^T)·(1 − (t − tinit)/(T − tfinal − tinit))³ + b^T⌋,
///                              masking when t mod ΔT = 0                  (cubic budget schedule)
///   t = T − tfinal:            b = b^T, masking forced; the EMAs reset   (the final rank pattern)
///   t > T − tfinal:            E masked by the final rank pattern        (final fine-tuning)
/// </code>
/// Importance EMAs (see <see cref="AdaLoRAImportance{T}"/>) are updated at every step before <c>T − tfinal</c>;
/// masking zeroes <c>E[k]</c> of every triplet whose score is at most the k-th smallest score, k = b⁰ − b.
/// <see cref="AddOrthogonalRegularization"/> adds PEFT's <c>orth_reg_weight · mean_p ‖PPᵀ − I‖_F</c> (p over every A and
/// every B, whose covariance is <c>BᵀB</c>) to the gradients. A <see cref="Trainer"/> runs both at every step; a
/// hand-written loop calls <see cref="AddOrthogonalRegularization"/> after the backward pass and
/// <see cref="UpdateAndAllocate"/> after the optimizer step, before the gradients are cleared.
/// </summary>
public sealed class AdaLoRARankAllocator : ITrainingStepHook, ICheckpointedHook
{
    private readonly IAdaLoRAAdapter[] _adapters;
    private readonly AdaLoRAOptions _schedule;
    private readonly double[] _scores;
    private readonly double[] _sorted;

    private AdaLoRARankAllocator(string adapterName, IAdaLoRAAdapter[] adapters)
    {
        AdapterName = adapterName;
        _adapters = adapters;
        _schedule = adapters[0].Options;
        foreach (var adapter in adapters)
        {
            InitialBudget += adapter.State.Rank;
        }

        TargetBudget = _schedule.TargetRank * adapters.Length;
        Budget = InitialBudget;
        _scores = new double[InitialBudget];
        _sorted = new double[InitialBudget];
    }

    /// <summary>The adapter name whose AdaLoRA adapters this allocator budgets.</summary>
    public string AdapterName { get; }

    /// <summary>The number of AdaLoRA adapters (modules) it budgets.</summary>
    public int AdapterCount => _adapters.Length;

    /// <summary>b⁰: the sum of the initial ranks.</summary>
    public int InitialBudget { get; }

    /// <summary>b^T = target_r × the number of adapters.</summary>
    public int TargetBudget { get; }

    /// <summary>The budget of the latest <see cref="UpdateAndAllocate"/> (<see cref="InitialBudget"/> before).</summary>
    public int Budget { get; private set; }

    /// <summary>
    /// The allocator of the AdaLoRA adapters named <paramref name="adapterName"/> in <paramref name="model"/> (PEFT allows one
    /// trainable AdaLoRA adapter per model; its schedule is one config, so every layer must share it).
    /// </summary>
    /// <exception cref="ArgumentException">No such adapter, or the layers' schedules differ.</exception>
    public static AdaLoRARankAllocator For(Module model, string adapterName = LinearAdapterExtensions.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var adapters = new List<IAdaLoRAAdapter>();
        string? firstPath = null;
        foreach (var (path, module) in model.NamedModules())
        {
            if (module is not IAdaLoRAAdapter adapter || adapter.Name != adapterName)
            {
                continue;
            }

            if (adapters.Count > 0 && !SameSchedule(adapters[0].Options, adapter.Options))
            {
                throw new ArgumentException(
                    $"AdaLoRA adapter '{adapterName}' at '{path}' has another schedule than at '{firstPath}' ({Describe(adapter.Options)} vs {Describe(adapters[0].Options)}); " +
                    "PEFT's AdaLoraConfig holds one schedule per adapter.", nameof(model));
            }

            firstPath ??= path;
            adapters.Add(adapter);
        }

        return adapters.Count == 0
            ? throw new ArgumentException($"{model.GetType().Name} has no AdaLoRA adapter named '{adapterName}'.", nameof(adapterName))
            : new AdaLoRARankAllocator(adapterName, [.. adapters]);
    }

    /// <summary>PEFT's <c>budget_schedule(step)</c>: the budget at <paramref name="step"/> and whether to mask.</summary>
    public (int Budget, bool Mask) BudgetSchedule(int step)
    {
        int tinit = _schedule.Tinit, tfinal = _schedule.Tfinal, total = _schedule.TotalSteps;
        if (step <= tinit)
        {
            return (InitialBudget, false);
        }

        if (step > total - tfinal)
        {
            return (TargetBudget, true);
        }

        // b = ⌊(b⁰ − b^T)·(1 − (t − tinit)/(T − tfinal − tinit))³ + b^T⌋ (Python's int() of a positive value).
        double coefficient = 1 - (double)(step - tinit) / (total - tfinal - tinit);
        int budget = (int)((InitialBudget - TargetBudget) * (coefficient * coefficient * coefficient) + TargetBudget);
        return (budget, step % _schedule.DeltaT == 0);
    }

    /// <summary>
    /// Adds <c>w·(1/2n)·Σ_m (‖A_m·A_mᵀ − I‖_F + ‖B_mᵀ·B_m − I‖_F)</c> (w = <c>orth_reg_weight</c>) to the gradients of every A
    /// and B and returns its value, which PEFT adds to the loss.
    /// </summary>
    public double AddOrthogonalRegularization()
    {
        double weight = _schedule.OrthRegWeight;
        double factor = weight / (2.0 * _adapters.Length);
        double sum = 0;
        foreach (var adapter in _adapters)
        {
            sum += adapter.State.AddOrthogonalGradient(factor);
        }

        return factor * sum;
    }

    /// <summary>
    /// PEFT's <c>update_and_allocate(global_step)</c>: call after the optimizer step, before the gradients are cleared.
    /// </summary>
    public void UpdateAndAllocate(int globalStep)
    {
        int final = _schedule.TotalSteps - _schedule.Tfinal;
        if (globalStep < final)
        {
            foreach (var adapter in _adapters)
            {
                adapter.State.UpdateImportance(_schedule.Beta1, _schedule.Beta2);
            }

            (int budget, bool mask) = BudgetSchedule(globalStep);
            Budget = budget;
            if (mask)
            {
                MaskToBudget(budget);
            }
        }
        else if (globalStep == final)
        {
            (Budget, _) = BudgetSchedule(globalStep);
            MaskToBudget(Budget);
            foreach (var adapter in _adapters)
            {
                adapter.State.ResetImportance();
            }
        }
        else
        {
            Budget = TargetBudget;
            foreach (var adapter in _adapters)
            {
                if (!adapter.State.HasPattern)
                {
                    throw new InvalidOperationException(
                        $"AdaLoRA '{AdapterName}': step {globalStep} is past TotalSteps − Tfinal = {final}, but no rank pattern was allocated (step {final} was skipped).");
                }

                adapter.State.MaskByPattern();
            }
        }
    }

    double ITrainingStepHook.AddRegularization() => _schedule.OrthRegWeight > 0 ? AddOrthogonalRegularization() : 0;

    void ITrainingStepHook.AfterOptimizerStep(int step) => UpdateAndAllocate(step);

    // Trainer checkpoints: the budget, the adapter count, and each adapter's EMAs and rank pattern under "{j}/".
    string ICheckpointedHook.CheckpointKey => "adalora/" + AdapterName;

    void ICheckpointedHook.WriteCheckpoint(List<SafetensorsTensor> tensors, string prefix)
    {
        tensors.Add(SafetensorsTensor.FromBytes(prefix + "budget", SafetensorsDType.I32, [2], MemoryMarshal.AsBytes<int>([Budget, _adapters.Length]).ToArray()));
        for (int j = 0; j < _adapters.Length; j++)
        {
            _adapters[j].State.WriteCheckpoint(tensors, $"{prefix}{j}/");
        }
    }

    void ICheckpointedHook.CheckCheckpoint(SafetensorsFile tensors, string prefix, string file)
    {
        string name = prefix + "budget";
        if (!tensors.TryGetTensor(name, out var budget) || budget.DType != SafetensorsDType.I32 || budget.ElementCount != 2)
        {
            throw new InvalidDataException($"{file}: tensor '{name}' is missing or is not I32 [2] (AdaLoRA '{AdapterName}' budget and adapter count).");
        }

        var saved = MemoryMarshal.Cast<byte, int>(tensors.GetBytes(budget));
        if (saved[1] != _adapters.Length || saved[0] < TargetBudget || saved[0] > InitialBudget)
        {
            throw new InvalidDataException(
                $"{file}: tensor '{name}' holds budget {saved[0]} over {saved[1]} AdaLoRA adapters; this model's '{AdapterName}' has {_adapters.Length} adapters and budgets {TargetBudget}–{InitialBudget}.");
        }

        for (int j = 0; j < _adapters.Length; j++)
        {
            _adapters[j].State.CheckCheckpoint(tensors, $"{prefix}{j}/", file);
        }
    }

    void ICheckpointedHook.RestoreCheckpoint(SafetensorsFile tensors, string prefix)
    {
        Budget = MemoryMarshal.Cast<byte, int>(tensors.GetBytes(prefix + "budget"))[0];
        for (int j = 0; j < _adapters.Length; j++)
        {
            _adapters[j].State.RestoreCheckpoint(tensors, $"{prefix}{j}/");
        }
    }

    /// <summary>
    /// PEFT's <c>mask_to_budget</c>: the threshold is the k-th smallest triplet score (k = b⁰ − b, torch's
    /// <c>kthvalue</c>), and every triplet scoring at or below it is masked.
    /// </summary>
    private void MaskToBudget(int budget)
    {
        int offset = 0;
        foreach (var adapter in _adapters)
        {
            adapter.State.WriteScores(_scores.AsSpan(offset, adapter.State.Rank));
            offset += adapter.State.Rank;
        }

        int k = InitialBudget - budget;
        double threshold = double.NegativeInfinity;
        if (k > 0)
        {
            _scores.CopyTo(_sorted, 0);
            _sorted.AsSpan().Sort();
            threshold = _sorted[k - 1];
        }

        foreach (var adapter in _adapters)
        {
            adapter.State.MaskAtOrBelow(threshold);
        }
    }

    private static bool SameSchedule(AdaLoRAOptions a, AdaLoRAOptions b) =>
        a.TargetRank == b.TargetRank && a.Tinit == b.Tinit && a.Tfinal == b.Tfinal && a.DeltaT == b.DeltaT && a.TotalSteps == b.TotalSteps
        && a.Beta1.Equals(b.Beta1) && a.Beta2.Equals(b.Beta2) && a.OrthRegWeight.Equals(b.OrthRegWeight);

    private static string Describe(AdaLoRAOptions o) =>
        $"target_r {o.TargetRank}, tinit {o.Tinit}, tfinal {o.Tfinal}, deltaT {o.DeltaT}, total_step {o.TotalSteps}, beta1 {o.Beta1}, beta2 {o.Beta2}, orth_reg_weight {o.OrthRegWeight}";
}
