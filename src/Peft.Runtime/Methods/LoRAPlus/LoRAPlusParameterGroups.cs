namespace Peft;

/// <summary>
/// The optimizer parameter groups of LoRA+, exactly as Hugging Face PEFT's
/// <c>create_loraplus_optimizer</c> builds them from the trainable parameters of a model:
/// <list type="bullet">
/// <item><c>groupA</c> at <c>lr</c> with weight decay: LoRA A, MoRA M and every other trainable
/// parameter of two or more dimensions (for example a trainable base weight);</item>
/// <item><c>embedding</c> at <c>lr_embedding</c> (default 1e-6) with weight decay: embedding adapters;</item>
/// <item><c>groupB</c> at <c>lr·ratio</c> with weight decay: LoRA B and trainable 1-D parameters that decay;</item>
/// <item><c>groupB_no_decay</c> at <c>lr·ratio</c>, no weight decay: biases and norm weights.</item>
/// </list>
/// B of a <see cref="LoRAPlusAdapter{T}"/> whose own <see cref="LoRAPlusAdapter{T}.LearningRateRatio"/>
/// differs from <c>ratio</c> goes to an extra group <c>groupB_ratio=R</c> at <c>lr·R</c> (per-adapter ratios).
/// </summary>
public static class LoRAPlusParameterGroups
{
    /// <summary>PEFT's default <c>loraplus_lr_embedding</c>.</summary>
    public const double DefaultEmbeddingLearningRate = 1e-6;

    /// <summary>
    /// Builds the groups for <paramref name="model"/> and sets every LoRA+ adapter's
    /// <see cref="LoRAPlusAdapter{T}.BaseLearningRate"/> to <paramref name="learningRate"/>. The four PEFT
    /// groups are always present (possibly empty), in PEFT's order; extra ratio groups follow.
    /// </summary>
    /// <param name="model">The model; only trainable parameters are grouped.</param>
    /// <param name="learningRate">lr, the rate of A.</param>
    /// <param name="ratio">The ratio for B and 1-D parameters not owned by a LoRA+ adapter with its own ratio; ≥ 1, finite.</param>
    /// <param name="weightDecay">The weight decay of the decaying groups.</param>
    /// <param name="embeddingLearningRate">lr_embedding.</param>
    /// <exception cref="ArgumentException">The ratio is below 1, NaN or infinite, or a rate is negative or not finite.</exception>
    public static ParameterGroup[] Create(
        Module model, double learningRate, double ratio = 16.0, double weightDecay = 0.0,
        double embeddingLearningRate = DefaultEmbeddingLearningRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        LoRAPlusOptions.ValidateRatio("LoRA+ parameter groups", ratio);
        var ownRatio = new Dictionary<Parameter, double>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in model.NamedModules())
        {
            if (module is LoRAPlusAdapter<float> single)
            {
                single.SetLearningRates(learningRate);
                ownRatio[single.B] = single.LearningRateRatio;
            }
            else if (module is LoRAPlusAdapter<double> @double)
            {
                @double.SetLearningRates(learningRate);
                ownRatio[@double.B] = @double.LearningRateRatio;
            }
        }

        var groupA = new List<Parameter>();
        var embedding = new List<Parameter>();
        var groupB = new List<Parameter>();
        var groupBNoDecay = new List<Parameter>();
        var extra = new SortedDictionary<double, List<Parameter>>();
        foreach (var (_, parameter) in model.NamedParameters())
        {
            if (!parameter.Trainable)
            {
                continue;
            }

            if (parameter.Role == ParameterRole.LoRAEmbedding)
            {
                embedding.Add(parameter);
            }
            else if (parameter.Role == ParameterRole.LoRAB || parameter.Shape.Length == 1)
            {
                if (ownRatio.TryGetValue(parameter, out double own) && own != ratio)
                {
                    if (!extra.TryGetValue(own, out var list))
                    {
                        extra[own] = list = [];
                    }

                    list.Add(parameter);
                }
                else if (ParameterGroup.IsExemptFromWeightDecay(parameter))
                {
                    groupBNoDecay.Add(parameter);
                }
                else
                {
                    groupB.Add(parameter);
                }
            }
            else
            {
                groupA.Add(parameter);
            }
        }

        var groups = new List<ParameterGroup>
        {
            new("groupA", groupA, learningRate, weightDecay),
            new("embedding", embedding, embeddingLearningRate, weightDecay),
            new("groupB", groupB, learningRate * ratio, weightDecay),
            new("groupB_no_decay", groupBNoDecay, learningRate * ratio, 0.0),
        };
        foreach (var (own, parameters) in extra)
        {
            groups.Add(new ParameterGroup(
                $"groupB_ratio={own.ToString(System.Globalization.CultureInfo.InvariantCulture)}", parameters, learningRate * own, weightDecay));
        }

        return [.. groups];
    }
}
