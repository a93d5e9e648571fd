namespace Peft.Models;

/// <summary>
/// A single-precision Llama-family causal language model: loads a Hugging Face folder
/// (<see cref="FromPretrained"/>), runs forward and backward (<see cref="LlamaForCausalLM{T}"/>), and generates
/// with a key/value cache (<see cref="Generate"/>). PEFT adapters load by module path with
/// <c>model.LoadAdapter(dir)</c> (<see cref="IO.PeftAdapterModuleExtensions"/>).
/// </summary>
public class LlamaForCausalLM : LlamaForCausalLM<float>
{
    /// <inheritdoc cref="LlamaForCausalLM{T}(LlamaConfig, int)"/>
    public LlamaForCausalLM(LlamaConfig config, int seed = 0)
        : base(config, seed)
    {
    }

    /// <summary>
    /// Loads <c>config.json</c> and <c>model.safetensors</c> (or the shards of <c>model.safetensors.index.json</c>)
    /// from <paramref name="directory"/>; F16, BF16 and F32 weights become float. The load is strict: a missing or
    /// unexpected tensor, a shape that contradicts the config, or a non-finite value is an error naming it. The
    /// model is returned in evaluation mode, as transformers returns it.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config or the weights are invalid; the message names the field or tensor.</exception>
    public static LlamaForCausalLM FromPretrained(string directory) => FromPretrained(directory, static config => new LlamaForCausalLM(config));

    /// <summary>
    /// <see cref="FromPretrained(string)"/> for a subclass, for example one whose class-level adapter attributes the
    /// source generator reads (<c>[LoRA(TargetModules = ["q_proj", "v_proj"])] partial class ChatTuning : LlamaForCausalLM</c>):
    /// <c>LlamaForCausalLM.FromPretrained(dir, config =&gt; new ChatTuning(config))</c>.
    /// </summary>
    /// <param name="directory">The Hugging Face folder.</param>
    /// <param name="create">Builds the model from the folder's config.</param>
    /// <inheritdoc cref="FromPretrained(string)" path="/exception"/>
    public static TModel FromPretrained<TModel>(string directory, Func<LlamaConfig, TModel> create)
        where TModel : LlamaForCausalLM
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such model folder.");
        }

        var model = create(LlamaConfig.Load(Path.Combine(directory, "config.json")));
        model.LoadPretrainedWeights(directory);
        model.Eval();
        return model;
    }

    /// <summary>
    /// Loads this model's base weights from the safetensors files of <paramref name="directory"/>, strictly as
    /// <see cref="FromPretrained"/> does (for subclasses built from a config).
    /// </summary>
    /// <exception cref="InvalidDataException">The weights do not match the model; the message names the tensor.</exception>
    public void LoadPretrainedWeights(string directory)
    {
        using var checkpoint = LlamaCheckpoint.Open(directory);
        checkpoint.LoadInto(this, Config, IsIgnoredTensor);
    }

    /// <summary>
    /// Generates up to <see cref="GenerationOptions.MaxNewTokens"/> tokens after <paramref name="prompt"/> with a
    /// key/value cache: greedy or sampled as <paramref name="options"/> says, stopping after a stop token (the
    /// config's end-of-sequence ids unless <see cref="GenerationOptions.StopTokenIds"/> is set), which is included.
    /// </summary>
    /// <returns>The generated ids (without the prompt).</returns>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id outside the vocabulary, or prompt plus new tokens exceed <c>max_position_embeddings</c>.</exception>
    public int[] Generate(ReadOnlySpan<int> prompt, GenerationOptions? options = null)
        => GenerationLoop.Run(this, prompt, options, prefixLength: 0, (ids, cache) => Forward(ids, cache: cache));

    /// <summary>Tensors a checkpoint may hold without a parameter: a tied LM head, rotary buffers of old checkpoints.</summary>
    private bool IsIgnoredTensor(string name) =>
        (Config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);
}
