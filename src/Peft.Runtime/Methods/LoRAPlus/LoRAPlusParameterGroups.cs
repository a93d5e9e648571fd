namespace Peft;

/// <summary>
/// The optimizer parameter groups of LoRA+, exactly as Hugging Face PEFT's
/// <c>create_loraplus_optimizer</c> builds them from the trainable parameters of a model:
/// <list type="bullet">
/// <item><c>groupA</c> at <c>lr</c>, decay <c>loraplus_weight_decay</c>: LoRA A, MoRA M and every other trainable
/// parameter of two or more dimensions (for example a trainable base weight);</item>
/// <item><c>embedding</c> at <c>lr_embedding</c> (default 1e-6), decay <c>loraplus_weight_decay</c>: the trainable
/// parameters of an <see cref="Embedding{T}"/> that carries a LoRA adapter (PEFT's <c>lora.Embedding</c>);</item>
/// <item><c>groupB</c> at <c>lr·ratio</c>, decay <c>loraplus_weight_decay</c>: LoRA B and trainable 1-D parameters
/// that decay;</item>
/// <item><c>groupB_no_decay</c> at <c>lr·ratio</c>, no decay: the B-side parameters PEFT exempts — those whose path
/// contains <c>bias</c> and those of a <see cref="LayerNorm{T}"/> (transformers' <c>ALL_LAYERNORM_LAYERS</c> holds
/// <c>nn.LayerNorm</c> only, so an <see cref="RMSNorm{T}"/> weight decays, as in PEFT).</item>
/// </list>
/// Every group carries its own weight decay, <c>loraplus_weight_decay</c> (default 0): as in PEFT, where the
/// optimizer's own <c>weight_decay</c> reaches none of the groups, the decay of a LoRA+ optimizer is set here and
/// nowhere else. B of a <see cref="LoRAPlusAdapter{T}"/> whose own <see cref="LoRAPlusAdapter{T}.LearningRateRatio"/>
/// differs from <c>ratio</c> goes to an extra group <c>groupB_ratio=R</c> at <c>lr·R</c> (per-adapter ratios, an
/// extension of ours).
/// </summary>
public static class LoRAPlusParameterGroups
{
    /// <summary>PEFT's default <c>loraplus_lr_embedding</c>.</summary>
    public const double DefaultEmbeddingLearningRate = 1e-6;

    /// <summary>PEFT's default <c>loraplus_weight_decay</c>.</summary>
    public const double DefaultWeightDecay = 0.0;

    /// <summary>
    /// Builds the groups for <paramref name="model"/> and sets every LoRA+ adapter's
    /// <see cref="LoRAPlusAdapter{T}.BaseLearningRate"/> to <paramref name="learningRate"/>. The four PEFT
    /// groups are always present (possibly empty), in PEFT's order; extra ratio groups follow. Pass the result
    /// to <c>new AdamW(groups, …)</c> or <c>new Sgd(groups, …)</c>: those constructors take no weight decay of
    /// their own, so <paramref name="loraPlusWeightDecay"/> is the only decay that applies.
    /// </summary>
    /// <param name="model">The model; only trainable parameters are grouped.</param>
    /// <param name="learningRate">lr, the rate of A.</param>
    /// <param name="ratio">The ratio for B and 1-D parameters not owned by a LoRA+ adapter with its own ratio; ≥ 1, finite.</param>
    /// <param name="loraPlusWeightDecay">PEFT's <c>loraplus_weight_decay</c> (default 0): the decay of <c>groupA</c>,
    /// <c>embedding</c> and <c>groupB</c> (<c>groupB_no_decay</c> has none).</param>
    /// <param name="embeddingLearningRate">PEFT's <c>loraplus_lr_embedding</c>.</param>
    /// <exception cref="ArgumentException">The ratio is below 1, NaN or infinite, or a rate is negative or not finite.</exception>
    public static ParameterGroup[] Create(
        Module model, double learningRate, double ratio = 16.0, double loraPlusWeightDecay = DefaultWeightDecay,
        double embeddingLearningRate = DefaultEmbeddingLearningRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        LoRAPlusOptions.ValidateRatio("LoRA+ parameter groups", ratio);
        var ownRatio = new Dictionary<Parameter, double>(ReferenceEqualityComparer.Instance);
        var embeddingParameters = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var layerNormParameters = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in model.NamedModules())
        {
            switch (module)
            {
                case LoRAPlusAdapter<float> single:
                    single.SetLearningRates(learningRate);
                    ownRatio[single.B] = single.LearningRateRatio;
                    break;
                case LoRAPlusAdapter<double> wide:
                    wide.SetLearningRates(learningRate);
                    ownRatio[wide.B] = wide.LearningRateRatio;
                    break;
                case Embedding<float> { Adapter: { } adapter } table:
                    // PEFT's lora.Embedding owns its base table and both factors.
                    embeddingParameters.UnionWith(table.OwnParameters);
                    embeddingParameters.UnionWith(adapter.OwnParameters);
                    break;
                case Embedding<double> { Adapter: { } adapter } table:
                    embeddingParameters.UnionWith(table.OwnParameters);
                    embeddingParameters.UnionWith(adapter.OwnParameters);
                    break;
                case LayerNorm<float> or LayerNorm<double>:
                    layerNormParameters.UnionWith(module.OwnParameters);
                    break;
            }
        }

        var groupA = new List<Parameter>();
        var embedding = new List<Parameter>();
        var groupB = new List<Parameter>();
        var groupBNoDecay = new List<Parameter>();
        var extra = new SortedDictionary<double, List<Parameter>>();
        foreach (var (path, parameter) in model.NamedParameters())
        {
            if (!parameter.Trainable)
            {
                continue;
            }

            if (embeddingParameters.Contains(parameter) || parameter.Role == ParameterRole.LoRAEmbedding)
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
                else if (layerNormParameters.Contains(parameter) || path.Contains("bias", StringComparison.Ordinal))
                {
                    // PEFT: decay_parameters = parameters outside ALL_LAYERNORM_LAYERS whose name lacks "bias".
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
            new("groupA", groupA, learningRate, loraPlusWeightDecay),
            new("embedding", embedding, embeddingLearningRate, loraPlusWeightDecay),
            new("groupB", groupB, learningRate * ratio, loraPlusWeightDecay),
            new("groupB_no_decay", groupBNoDecay, learningRate * ratio, 0.0),
        };
        foreach (var (own, parameters) in extra)
        {
            groups.Add(new ParameterGroup(
                $"groupB_ratio={own.ToString(System.Globalization.CultureInfo.InvariantCulture)}", parameters, learningRate * own, loraPlusWeightDecay));
        }

        return [.. groups];
    }
}
