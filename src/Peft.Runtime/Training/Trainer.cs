using System.Diagnostics;

namespace Peft.Training;

/// <summary>
/// Trains the trainable parameters of a model (adapters, when the base is frozen) with AdamW: shuffled
/// mini-batches, gradient accumulation, linear warm-up then cosine decay, gradient clipping, evaluation
/// every N steps with early stopping, checkpoints that resume bit for bit, callbacks and metrics files.
/// When the model has LoRA+ adapters the optimizer gets LoRA+'s parameter groups (B at <c>lr·ratio</c>).
/// After the first steps (buffers sized), a step allocates nothing.
/// </summary>
public sealed partial class Trainer
{
    private readonly TrainingData _train;
    private readonly TrainingData? _evaluation;
    private readonly ITrainingObjective _objective;
    private readonly BatchSampler _sampler;
    private readonly Batch _batch = new();
    private readonly Batch _evaluationBatch = new();
    private readonly int[] _evaluationIndices;
    private readonly List<ITrainerCallback> _callbacks = [];
    private readonly List<ITrainingStepHook> _stepHooks = [];
    private readonly KeyValuePair<string, Parameter>[] _trainable;
    private long _examples;
    private long _runStart;
    private int _runFirstStep;
    private bool _stopRequested;
    private double _bestEvaluationLoss = double.PositiveInfinity;
    private EvaluationMetrics? _bestEvaluation;
    private int _evaluationsWithoutImprovement;
    private readonly List<int> _scheduleRestarts = [];

    /// <summary>Creates a trainer; the optimizer and schedule are built here, so they can be inspected before <see cref="Fit"/>.</summary>
    /// <param name="model">The model; its trainable parameters are optimized.</param>
    /// <param name="objective">Runs the model on a batch and back-propagates its loss.</param>
    /// <param name="train">The training data.</param>
    /// <param name="options">The settings; null = defaults.</param>
    /// <param name="evaluation">Data to evaluate on, or null.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the model has no trainable parameter.</exception>
    public Trainer(Module model, ITrainingObjective objective, TrainingData train, TrainerOptions? options = null, TrainingData? evaluation = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(train);
        Options = options ?? new TrainerOptions();
        Options.Validate();
        if (train.Count == 0)
        {
            throw new ArgumentException("Trainer: the training data has no example.", nameof(train));
        }

        Model = model;
        _objective = objective;
        _train = train;
        _evaluation = evaluation;
        _trainable = model.NamedParameters().Where(p => p.Value.Trainable).ToArray();
        if (_trainable.Length == 0)
        {
            throw new ArgumentException(
                $"Trainer: every parameter of {model.GetType().Name} is frozen, so training would change nothing. " +
                "Attach adapters (AttachAdapters / Apply) or set Parameter.Trainable.", nameof(model));
        }

        TotalSteps = Options.MaxSteps > 0 ? Options.MaxSteps : StepsForEpochs(train.Count, Options);
        if (Options.WarmupSteps >= TotalSteps)
        {
            throw new ArgumentException(
                $"Trainer: WarmupSteps {Options.WarmupSteps} must be fewer than the run's {TotalSteps} steps.", nameof(options));
        }

        _stepHooks.AddRange(FindStepHooks(model));
        Optimizer = CreateOptimizer(model, _trainable, Options, out bool loraPlus);
        UsesLoRAPlusGroups = loraPlus;
        Scheduler = CreateScheduler(Optimizer, Options, TotalSteps);
        _sampler = new BatchSampler(train.Count, Options.Seed, Options.Shuffle);
        _evaluationIndices = new int[Options.BatchSize];
        _runStart = Stopwatch.GetTimestamp();
        if (Options.MetricsDirectory is not null)
        {
            _callbacks.Add(new MetricsLog(Options.MetricsDirectory));
        }
    }

    /// <summary>A trainer for a model that maps <see cref="Batch.Inputs"/> to logits (softmax cross-entropy) or to an output <paramref name="loss"/> reads.</summary>
    public static Trainer ForLayer<TModel>(TModel model, TrainingData train, TrainerOptions? options = null,
        TrainingData? evaluation = null, LossFunction? loss = null)
        where TModel : Module, ILayer<float>
        => new(model, new LayerObjective(model, loss), train, options, evaluation);

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The AdamW optimizer over the trainable parameters.</summary>
    public AdamW Optimizer { get; }

    /// <summary>The learning-rate schedule (warm-up then cosine; a <see cref="RestartScheduler"/> after <see cref="RestartSchedule"/>).</summary>
    public LearningRateScheduler Scheduler { get; private set; }

    /// <summary>The steps after which <see cref="RestartSchedule"/> restarted the schedule.</summary>
    public IReadOnlyList<int> ScheduleRestarts => _scheduleRestarts;

    /// <summary>
    /// Restarts the learning-rate schedule after the current step: a linear warm-up over <paramref name="warmupSteps"/>
    /// steps back to the rate reached so far, then cosine annealing to <see cref="TrainerOptions.MinLearningRateFactor"/>
    /// of that rate at the end of the run (<see cref="RestartScheduler"/>). ReMoRA calls it at each restart. A checkpoint
    /// written after a restart is not resumable: <see cref="LoadCheckpoint"/> refuses it, naming the restarts.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupSteps"/> is not positive.</exception>
    public void RestartSchedule(int warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(warmupSteps);
        int remaining = TotalSteps - Step;
        if (remaining <= 0)
        {
            return;
        }

        Scheduler = new RestartScheduler(Optimizer, Scheduler.CurrentFactor, Math.Min(warmupSteps, remaining), remaining, Options.MinLearningRateFactor);
        _scheduleRestarts.Add(Step);
    }

    /// <summary>Whether the optimizer uses LoRA+'s groups (the model has LoRA+ adapters).</summary>
    public bool UsesLoRAPlusGroups { get; }

    /// <summary>The optimizer steps the run takes in all.</summary>
    public int TotalSteps { get; }

    /// <summary>Optimizer steps taken (restored by a resume).</summary>
    public int Step { get; private set; }

    /// <summary>The current epoch, from 0.</summary>
    public int Epoch => _sampler.Epoch;

    /// <summary>The methods' per-step hooks (AdaLoRA's rank allocator), found in the model's modules; more can be added.</summary>
    public IList<ITrainingStepHook> StepHooks => _stepHooks;

    /// <summary>The callbacks, called in order.</summary>
    public IList<ITrainerCallback> Callbacks => _callbacks;

    /// <summary>The trainable parameters with their paths, in module order.</summary>
    public IReadOnlyList<KeyValuePair<string, Parameter>> TrainableParameters => _trainable;

    /// <summary>Asks <see cref="Fit"/> to stop after the current step (from a callback, or another thread).</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>
    /// Trains until <see cref="TotalSteps"/>, early stopping, <see cref="RequestStop"/> or cancellation.
    /// With <paramref name="resume"/> and a checkpoint in <see cref="TrainerOptions.CheckpointDirectory"/>,
    /// continues from it exactly (a fresh start when there is none yet).
    /// </summary>
    public TrainingResult Fit(bool resume = false, CancellationToken cancellationToken = default)
    {
        if (resume)
        {
            string directory = Options.CheckpointDirectory
                ?? throw new InvalidOperationException("Trainer.Fit(resume: true) needs TrainerOptions.CheckpointDirectory.");
            if (TrainerCheckpoint.FindLatest(directory) is { } latest)
            {
                LoadCheckpoint(latest);
            }
        }

        _stopRequested = false;
        _runStart = Stopwatch.GetTimestamp();
        _runFirstStep = Step;
        _examples = 0;
        Model.Train();
        foreach (var callback in _callbacks)
        {
            callback.OnTrainBegin(this);
        }

        double lastLoss = double.NaN;
        EvaluationMetrics? lastEvaluation = null;
        bool stoppedEarly = false;
        while (Step < TotalSteps)
        {
            if (_stopRequested || cancellationToken.IsCancellationRequested)
            {
                stoppedEarly = true;
                break;
            }

            var metrics = TrainStep();
            lastLoss = metrics.Loss;
            if (_evaluation is not null && Options.EvaluateEvery > 0 && Step % Options.EvaluateEvery == 0)
            {
                lastEvaluation = EvaluateAndTrack();
                if (Options.EarlyStoppingPatience > 0 && _evaluationsWithoutImprovement >= Options.EarlyStoppingPatience)
                {
                    stoppedEarly = Step < TotalSteps;
                    break;
                }
            }

            if (Options.CheckpointDirectory is not null && Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0)
            {
                SaveCheckpoint();
            }
        }

        if (_evaluation is not null && lastEvaluation?.Step != Step)
        {
            lastEvaluation = EvaluateAndTrack();
        }

        if (Options.CheckpointDirectory is not null && TrainerCheckpoint.FindLatest(Options.CheckpointDirectory) != TrainerCheckpoint.PathFor(Options.CheckpointDirectory, Step))
        {
            SaveCheckpoint();
        }

        var result = new TrainingResult(Step, lastLoss, lastEvaluation, _bestEvaluation, stoppedEarly, Stopwatch.GetElapsedTime(_runStart));
        foreach (var callback in _callbacks)
        {
            callback.OnTrainEnd(result);
        }

        return result;
    }

    /// <summary>
    /// One optimizer step: <see cref="TrainerOptions.GradientAccumulationSteps"/> micro-batches forward and
    /// backward (each loss scaled by 1/k), clipping, AdamW, schedule; then the callbacks' <see cref="ITrainerCallback.OnStep"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run has already taken its <see cref="TotalSteps"/>.</exception>
    public StepMetrics TrainStep()
    {
        if (Step >= TotalSteps)
        {
            throw new InvalidOperationException($"Trainer: all {TotalSteps} steps have run.");
        }

        int accumulation = Options.GradientAccumulationSteps;
        float scale = 1f / accumulation;
        Optimizer.ZeroGradients();
        double lossSum = 0;
        long count = 0;
        long correct = 0;
        bool hasAccuracy = true;
        for (int micro = 0; micro < accumulation; micro++)
        {
            var indices = _sampler.Next(Options.BatchSize);
            _train.FillBatch(indices, _batch);
            var loss = _objective.Forward(_batch, training: true);
            _objective.Backward(scale);
            lossSum += loss.Loss * loss.Count;
            count += loss.Count;
            hasAccuracy &= loss.Correct >= 0;
            correct += Math.Max(loss.Correct, 0);
            _examples += indices.Length;
        }

        // The methods' regularizers (AdaLoRA's orthogonal one) add their gradients once per step and their value to the loss.
        double regularization = 0;
        for (int i = 0; i < _stepHooks.Count; i++)
        {
            regularization += _stepHooks[i].AddRegularization();
        }

        double gradientNorm = Options.MaxGradientNorm > 0 ? Optimizer.ClipGradientNorm(Options.MaxGradientNorm) : double.NaN;
        double learningRate = Options.LearningRate * Scheduler.CurrentFactor;
        Optimizer.Step();
        for (int i = 0; i < _stepHooks.Count; i++)
        {
            _stepHooks[i].AfterOptimizerStep(Step);
        }

        Scheduler.Step();
        Step++;
        var metrics = new StepMetrics(
            Step, TotalSteps, _sampler.Epoch, lossSum / count + regularization, hasAccuracy ? (double)correct / count : double.NaN,
            learningRate, gradientNorm, _examples, Stopwatch.GetElapsedTime(_runStart), Step - _runFirstStep);
        for (int i = 0; i < _callbacks.Count; i++)
        {
            _callbacks[i].OnStep(in metrics);
        }

        return metrics;
    }

    /// <summary>Mean loss and accuracy over <paramref name="data"/> (default: the evaluation data) in evaluation mode, in order, without gradients.</summary>
    /// <exception cref="InvalidOperationException">No data was given and the trainer has no evaluation data.</exception>
    public EvaluationMetrics Evaluate(TrainingData? data = null)
    {
        data ??= _evaluation ?? throw new InvalidOperationException("Trainer.Evaluate: the trainer has no evaluation data; pass some.");
        Model.Eval();
        try
        {
            double lossSum = 0;
            long count = 0;
            long correct = 0;
            bool hasAccuracy = true;
            for (int start = 0; start < data.Count; start += _evaluationIndices.Length)
            {
                int size = Math.Min(_evaluationIndices.Length, data.Count - start);
                var indices = _evaluationIndices.AsSpan(0, size);
                for (int i = 0; i < size; i++)
                {
                    indices[i] = start + i;
                }

                data.FillBatch(indices, _evaluationBatch);
                var loss = _objective.Forward(_evaluationBatch, training: false);
                lossSum += loss.Loss * loss.Count;
                count += loss.Count;
                hasAccuracy &= loss.Correct >= 0;
                correct += Math.Max(loss.Correct, 0);
            }

            return new EvaluationMetrics(Step, lossSum / count, hasAccuracy ? (double)correct / count : double.NaN, data.Count, false);
        }
        finally
        {
            Model.Train();
        }
    }

    private EvaluationMetrics EvaluateAndTrack()
    {
        var metrics = Evaluate();
        bool improved = metrics.Loss < _bestEvaluationLoss - Options.EarlyStoppingMinDelta;
        metrics = metrics with { Improved = improved };
        if (improved)
        {
            _bestEvaluationLoss = metrics.Loss;
            _bestEvaluation = metrics;
            _evaluationsWithoutImprovement = 0;
        }
        else
        {
            _evaluationsWithoutImprovement++;
        }

        foreach (var callback in _callbacks)
        {
            callback.OnEvaluation(in metrics);
        }

        return metrics;
    }

    /// <summary>One hook per distinct key among the model's modules that ask for one (in module order).</summary>
    private static IEnumerable<ITrainingStepHook> FindStepHooks(Module model)
    {
        var keys = new HashSet<object>();
        foreach (var (_, module) in model.NamedModules())
        {
            if (module is ITrainingStepHookSource source && keys.Add(source.StepHookKey) && source.CreateStepHook(model) is { } hook)
            {
                yield return hook;
            }
        }
    }

    // ceil(ceil(N / B) / k) optimizer steps per epoch.
    private static int StepsForEpochs(int count, TrainerOptions options)
    {
        long microBatches = (count + (long)options.BatchSize - 1) / options.BatchSize;
        long steps = (microBatches + options.GradientAccumulationSteps - 1) / options.GradientAccumulationSteps;
        return checked((int)(steps * options.Epochs));
    }

    private static AdamW CreateOptimizer(Module model, KeyValuePair<string, Parameter>[] trainable, TrainerOptions options, out bool loraPlus)
    {
        double? adapterRatio = null;
        foreach (var (_, module) in model.NamedModules())
        {
            adapterRatio ??= module switch
            {
                LoRAPlusAdapter<float> single => single.LearningRateRatio,
                LoRAPlusAdapter<double> wide => wide.LearningRateRatio,
                _ => null,
            };
        }

        loraPlus = adapterRatio is not null;
        var groups = loraPlus
            ? LoRAPlusParameterGroups.Create(model, options.LearningRate, options.LoRAPlusRatio ?? adapterRatio!.Value, options.WeightDecay)
            : [new ParameterGroup("default", trainable.Select(p => p.Value), options.LearningRate, options.WeightDecay)];
        return new AdamW(groups, options.Beta1, options.Beta2, options.Epsilon);
    }

    // Linear warm-up 0 → 1 over W steps, then cosine 1 → m over the remaining T − W steps.
    private static LearningRateScheduler CreateScheduler(Optimizer optimizer, TrainerOptions options, int totalSteps)
    {
        var cosine = new CosineScheduler(optimizer, totalSteps - options.WarmupSteps, options.MinLearningRateFactor);
        if (options.WarmupSteps == 0)
        {
            return cosine;
        }

        var warmup = new LinearScheduler(optimizer, options.WarmupSteps);
        return new SequentialScheduler(optimizer, [warmup, cosine], [options.WarmupSteps]);
    }
}
