namespace Peft.Training;

/// <summary>
/// Work an adapter method does on the whole model once per optimizer step, which the <see cref="Trainer"/> runs
/// (AdaLoRA: the orthogonal regularizer, then the rank allocation). Hooks must allocate nothing in steady state.
/// </summary>
public interface ITrainingStepHook
{
    /// <summary>
    /// After every micro-batch's backward pass of a step, before clipping: adds a regularizer's gradient to the
    /// parameters' gradients and returns its value, which the step's loss includes (0 when there is none).
    /// </summary>
    double AddRegularization();

    /// <summary>
    /// After the optimizer step, the step's gradients still in place; <paramref name="step"/> is the 0-based index of the
    /// step just taken (the <c>global_step</c> PEFT's <c>update_and_allocate</c> receives in its training-loop example).
    /// </summary>
    void AfterOptimizerStep(int step);
}

/// <summary>
/// A module (an adapter) whose method needs a <see cref="ITrainingStepHook"/>: the <see cref="Trainer"/> asks every such
/// module of its model, and modules with equal <see cref="StepHookKey"/> share the first one's hook.
/// </summary>
internal interface ITrainingStepHookSource
{
    /// <summary>Modules with equal keys (AdaLoRA: the adapter's name) share one hook.</summary>
    object StepHookKey { get; }

    /// <summary>The hook for <paramref name="model"/>, or null when there is nothing to do (a frozen adapter).</summary>
    ITrainingStepHook? CreateStepHook(Module model);
}
