namespace Peft.IO;

/// <summary>
/// Builds the <see cref="PeftAdapterConfig"/> of a saved adapter from its layers: the most common rank and
/// α become <c>r</c> / <c>lora_alpha</c>, the others go to <c>rank_pattern</c> / <c>alpha_pattern</c>.
/// </summary>
internal sealed class PeftAdapterConfigBuilder(PeftAdapterConfig? template)
{
    private readonly List<(string Path, int Rank, double Alpha)> _layers = [];
    private LoRAOptions? _lora;
    private MoRAOptions? _mora;
    private AdaLoRAOptions? _adaLoRA;
    private Dictionary<string, bool[]>? _adaLoRAPattern;
    private bool _useDora;
    private VeRAOptions? _vera;
    private VeRAProjections? _veraProjections;
    private List<string>? _ia3FeedForward;
    private string? _peftType;
    private Dictionary<string, System.Text.Json.JsonElement>? _fields;

    /// <summary>Adds a LoRA-family layer; <paramref name="useDora"/> for DoRA (PEFT's <c>use_dora</c>, one value per adapter).</summary>
    public void AddLoRA(string path, LoRAOptions options, bool useDora = false)
    {
        RefuseOtherMethod(path, "LoRA", _vera is null && _ia3FeedForward is null);
        if (_mora is not null || _adaLoRA is not null || _peftType is not null)
        {
            throw new NotSupportedException($"Layer '{path}': one PEFT adapter cannot mix LoRA with MoRA or AdaLoRA layers.");
        }

        if (_lora is not null && (_lora.UseRsLoRA != options.UseRsLoRA || _lora.Dropout != options.Dropout))
        {
            throw new NotSupportedException(
                $"Layer '{path}': use_rslora and lora_dropout are per adapter in PEFT, but the layers disagree.");
        }

        if (_lora is not null && _useDora != useDora)
        {
            throw new NotSupportedException($"Layer '{path}': use_dora is per adapter in PEFT, but DoRA and plain LoRA layers are mixed.");
        }

        _useDora = useDora;
        _lora ??= options;
        _layers.Add((path, options.Rank, options.Alpha));
    }

    /// <summary>Adds an AdaLoRA layer and its kept triplets (null before any allocation); one AdaLoRA config per adapter.</summary>
    public void AddAdaLoRA(string path, AdaLoRAOptions options, bool[]? kept)
    {
        RefuseOtherMethod(path, "AdaLoRA", _vera is null && _ia3FeedForward is null);
        if (_lora is not null || _mora is not null || _peftType is not null
            || (_adaLoRA is not null && _adaLoRA with { Seed = 0, FreezeBase = true } != options with { Seed = 0, FreezeBase = true }))
        {
            throw new NotSupportedException($"Layer '{path}': one PEFT AdaLoRA adapter holds one AdaLoRA config (init_r, α, schedule) and no other method.");
        }

        _adaLoRA ??= options;
        if (kept is not null)
        {
            (_adaLoRAPattern ??= [])[path + "." + AdaLoRAPeftFormat.ESuffix] = kept;
        }

        _layers.Add((path, options.Rank, options.Alpha));
    }

    public void AddMoRA(string path, MoRAOptions options)
    {
        RefuseOtherMethod(path, "MoRA", _vera is null && _ia3FeedForward is null);
        if (_lora is not null || _adaLoRA is not null || _peftType is not null || (_mora is not null && _mora.Type != options.Type))
        {
            throw new NotSupportedException($"Layer '{path}': one PEFT adapter needs one method (LoRA, or MoRA of one type).");
        }

        _mora ??= options;
        _layers.Add((path, options.Rank, options.Rank));
    }

    /// <summary>
    /// Adds a VeRA layer: one VeraConfig serves every layer, so rank, key, dropout, d_initial, save_projection and the
    /// shared projections themselves must agree.
    /// </summary>
    public void AddVeRA(string path, VeRAOptions options, VeRAProjections projections)
    {
        RefuseOtherMethod(path, "VeRA", _lora is null && _mora is null && _adaLoRA is null && _peftType is null && _ia3FeedForward is null);
        if (_vera is not null && (_vera.Rank != options.Rank || _vera.ProjectionPrngKey != options.ProjectionPrngKey || _vera.Dropout != options.Dropout
            || _vera.DInitial != options.DInitial || _vera.SaveProjection != options.SaveProjection || !ReferenceEquals(_veraProjections, projections)))
        {
            throw new NotSupportedException(
                $"Layer '{path}': one PEFT VeRA adapter has one r, projection_prng_key, vera_dropout, d_initial, save_projection and one pair of shared " +
                "projections, but the layers disagree (attach them with the same VeRAOptions, as Apply and the generated AttachAdapters do).");
        }

        _vera ??= options;
        _veraProjections = projections;
        _layers.Add((path, options.Rank, 0));
    }

    /// <summary>Adds an IA³ layer; feed-forward ones are listed in <c>feedforward_modules</c> by path.</summary>
    public void AddIA3(string path, IA3Options options)
    {
        RefuseOtherMethod(path, "IA³", _lora is null && _mora is null && _adaLoRA is null && _peftType is null && _vera is null);
        _ia3FeedForward ??= [];
        if (options.FeedForward)
        {
            _ia3FeedForward.Add(path);
        }

        _layers.Add((path, 0, 0));
    }

    /// <summary>
    /// Adds a layer of a method with its own PEFT config class (LoHa, LoKr): its <c>peft_type</c>, the fields that are per
    /// adapter in PEFT (every layer must give the same), and the layer's rank and α (<c>r</c> / <c>alpha</c>, the others
    /// in <c>rank_pattern</c> / <c>alpha_pattern</c>).
    /// </summary>
    public void AddMethodLayer(string path, string peftType, int rank, double alpha, Dictionary<string, System.Text.Json.JsonElement> fields)
    {
        RefuseOtherMethod(path, peftType, _vera is null && _ia3FeedForward is null);
        if (_lora is not null || _mora is not null || _adaLoRA is not null || (_peftType is not null && _peftType != peftType))
        {
            throw new NotSupportedException($"Layer '{path}': one PEFT adapter needs one method, but {peftType} is mixed with {_peftType ?? (_mora is not null ? "MoRA" : "LoRA")}.");
        }

        if (_fields is not null && !(_fields.Count == fields.Count && _fields.All(f => fields.TryGetValue(f.Key, out var v) && v.GetRawText() == f.Value.GetRawText())))
        {
            throw new NotSupportedException(
                $"Layer '{path}': {string.Join(", ", fields.Keys.Order(StringComparer.Ordinal))} are per adapter in PEFT, but the {peftType} layers disagree.");
        }

        _peftType = peftType;
        _fields ??= fields;
        _layers.Add((path, rank, alpha));
    }

    /// <summary>The <c>target_modules</c> as the user gave them; used when they match exactly the saved layers, else the full paths are written.</summary>
    public PeftTargetModules? GivenTargets { get; set; }

    /// <summary>The <c>modules_to_save</c> to write (<see langword="null"/> when there are none, as PEFT writes).</summary>
    public IReadOnlyList<string>? ModulesToSave { get; set; }

    public PeftAdapterConfig Build()
    {
        var config = template is null ? new PeftAdapterConfig() : PeftAdapterConfig.Parse(template.ToJson());
        int rank = MostCommon(_layers.Select(l => l.Rank));
        double alpha = MostCommon(_layers.Select(l => l.Alpha));
        config.PeftType = "LORA";
        config.R = rank;
        config.LoraAlpha = alpha;
        config.RankPattern = _layers.Where(l => l.Rank != rank).ToDictionary(l => l.Path, l => l.Rank);
        config.AlphaPattern = _layers.Where(l => l.Alpha != alpha).ToDictionary(l => l.Path, l => l.Alpha);
        config.TargetModules = GivenTargets is { } given && _layers.All(l => given.Matches(l.Path))
            ? given
            : PeftTargetModules.FromNames(_layers.Select(l => l.Path).Order(StringComparer.Ordinal));
        config.ModulesToSave = ModulesToSave is null ? null : [.. ModulesToSave];
        config.InferenceMode = true; // PEFT's save_pretrained writes every adapter for inference
        config.UseDora = _useDora;
        config.AdaLoRARankPattern = null;
        if (_ia3FeedForward is not null)
        {
            // IA3Config: its own fields, no r and no bias (IA3PeftFormat.AbsentConfigKeys). PEFT wants feedforward_modules ⊆
            // target_modules, so with feed-forward layers both list full paths.
            config.PeftType = IA3PeftFormat.PeftType;
            if (_ia3FeedForward.Count > 0)
            {
                config.TargetModules = PeftTargetModules.FromNames(_layers.Select(l => l.Path).Order(StringComparer.Ordinal));
            }

            config.RankPattern = null;
            config.AlphaPattern = null;
            config.UseMora = null;
            config.MoraType = null;
            IA3PeftFormat.WriteFields(config, [.. _ia3FeedForward.Order(StringComparer.Ordinal)]);
            return config;
        }

        if (_vera is not null)
        {
            // VeraConfig: r and its own fields; LoRA's fields are left out of the file (VeRAPeftFormat.AbsentConfigKeys).
            config.PeftType = VeRAPeftFormat.PeftType;
            config.RankPattern = null;
            config.AlphaPattern = null;
            config.UseMora = null;
            config.MoraType = null;
            VeRAPeftFormat.WriteFields(config, _vera);
            return config;
        }

        if (_peftType is not null)
        {
            // Its own config class: α under "alpha" and the method's fields; ToJson leaves out LoRA's (AbsentConfigKeys).
            config.PeftType = _peftType;
            config.AdditionalFields ??= [];
            using (var number = System.Text.Json.JsonDocument.Parse(alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
            {
                config.AdditionalFields["alpha"] = number.RootElement.Clone();
            }

            foreach (var (key, value) in _fields!)
            {
                config.AdditionalFields[key] = value;
            }
        }
        else if (_mora is not null)
        {
            // MoRA has no α: keep whatever the template had, without per-module patterns.
            config.LoraAlpha = template?.LoraAlpha ?? new PeftAdapterConfig().LoraAlpha;
            config.AlphaPattern = [];
            config.UseMora = true;
            config.MoraType = _mora.Type;
            config.UseRsLoRA = false;
            config.LoraDropout = 0;
        }
        else
        {
            config.UseMora = null;
            config.MoraType = null;
            LoRAOptions lora = _lora ?? _adaLoRA!;
            config.UseRsLoRA = lora.UseRsLoRA;
            config.LoraDropout = lora.Dropout;
            config.InitLoraWeights = lora.Init == LoRAInit.Gaussian ? "gaussian" : "true";
        }

        if (_adaLoRA is not null)
        {
            AdaLoRAPeftFormat.WriteConfig(config, _adaLoRA, _adaLoRAPattern);
        }

        return config;
    }

    private static void RefuseOtherMethod(string path, string method, bool alone)
    {
        if (!alone)
        {
            throw new NotSupportedException($"Layer '{path}': one PEFT adapter needs one method, but {method} layers are mixed with layers of another.");
        }
    }

    private static TValue MostCommon<TValue>(IEnumerable<TValue> values)
        where TValue : notnull =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).First().Key;
}
