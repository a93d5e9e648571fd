using System.Text;

namespace Peft.Models.Tests;

public sealed class LlamaConfigTests
{
    private const string Minimal = """
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256
        """;

    private static LlamaConfig Parse(string body) => LlamaConfig.Parse(Encoding.UTF8.GetBytes("{" + body + "}"), "config.json");

    private static void Fails(string body, string field)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(body));
        Assert.Contains($"'{field}'", error.Message);
    }

    [Fact]
    public void ReadsTheTransformers5Fixture()
    {
        var config = LlamaConfig.Load(Path.Combine(Fixtures.TinyLlama, "config.json"));
        Assert.Equal("llama", config.ModelType);
        Assert.Equal((64, 128, 2, 4, 4, 16), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(1e-6, config.RmsNormEps);
        Assert.Equal((256, 64), (config.VocabSize, config.MaxPositionEmbeddings));
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Null(config.RopeScaling);
        Assert.Equal(1, config.BosTokenId);
        Assert.Equal([2], config.EosTokenIds);
        Assert.False(config.QkvBias || config.OutputBias || config.MlpBias);
    }

    [Fact]
    public void DefaultsFollowTransformers()
    {
        var config = Parse("\"model_type\": \"llama\", " + Minimal);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.Empty(config.EosTokenIds);
        Assert.Null(config.BosTokenId);
    }

    [Fact]
    public void ReadsTopLevelRopeThetaAndLlama3ScalingFromRopeScaling()
    {
        var config = Parse("""
            "model_type": "llama", "rope_theta": 500000.0, "num_key_value_heads": 2, "eos_token_id": [128001, 128009],
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 130000,
            "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
            """);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 32, 1, 4, 8192), config.RopeScaling);
        Assert.Equal([128001, 128009], config.EosTokenIds);
        Assert.Equal(2, config.NumKeyValueHeads);
    }

    [Fact]
    public void ReadsLlama3ScalingFromRopeParameters()
    {
        var config = Parse("""
            "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256,
            "rope_parameters": {"rope_theta": 123.0, "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 32}
            """);
        Assert.Equal(123.0, config.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 32), config.RopeScaling);
    }

    [Fact]
    public void Qwen2HasQkvBiasesAndMistralIsPlainLlama()
    {
        var qwen = Parse("\"model_type\": \"qwen2\", \"sliding_window\": 4096, \"use_sliding_window\": false, " + Minimal);
        Assert.True(qwen.QkvBias);
        Assert.False(qwen.OutputBias);
        var mistral = Parse("\"model_type\": \"mistral\", \"sliding_window\": 4096, \"num_key_value_heads\": 2, " + Minimal);
        Assert.False(mistral.QkvBias || mistral.OutputBias);
        Assert.Equal(2, mistral.NumKeyValueHeads);
        var biased = Parse("\"model_type\": \"llama\", \"attention_bias\": true, \"mlp_bias\": true, " + Minimal);
        Assert.True(biased.QkvBias && biased.OutputBias && biased.MlpBias);
    }

    [Theory]
    [InlineData("\"model_type\": \"gpt2\", ", "model_type")]
    [InlineData("", "model_type")]
    [InlineData("\"model_type\": \"llama\", \"hidden_act\": \"gelu\", ", "hidden_act")]
    [InlineData("\"model_type\": \"llama\", \"num_key_value_heads\": 3, ", "num_key_value_heads")]
    [InlineData("\"model_type\": \"llama\", \"num_key_value_heads\": 0, ", "num_key_value_heads")]
    [InlineData("\"model_type\": \"llama\", \"head_dim\": 15, ", "head_dim")]
    [InlineData("\"model_type\": \"llama\", \"rms_norm_eps\": -1, ", "rms_norm_eps")]
    [InlineData("\"model_type\": \"llama\", \"rope_theta\": 0, ", "rope_theta")]
    [InlineData("\"model_type\": \"llama\", \"eos_token_id\": 256, ", "eos_token_id")]
    [InlineData("\"model_type\": \"llama\", \"eos_token_id\": [2, \"x\"], ", "eos_token_id")]
    [InlineData("\"model_type\": \"llama\", \"bos_token_id\": -1, ", "bos_token_id")]
    [InlineData("\"model_type\": \"llama\", \"max_position_embeddings\": 0, ", "max_position_embeddings")]
    [InlineData("\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}, ", "rope_scaling.rope_type")]
    [InlineData("\"model_type\": \"llama\", \"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8.0}, ", "rope_parameters.low_freq_factor")]
    [InlineData("\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 32}, ", "rope_scaling.high_freq_factor")]
    public void ABadFieldIsNamed(string prefix, string field) => Fails(prefix + Minimal, field);

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("vocab_size")]
    public void AMissingFieldIsNamed(string field)
    {
        string body = "\"model_type\": \"llama\", " + string.Join(", ", Minimal.Split(", ").Where(part => !part.Contains($"\"{field}\"")));
        Fails(body, field);
    }

    [Fact]
    public void AFieldOfTheWrongTypeIsNamed() => Fails("\"model_type\": \"llama\", \"hidden_size\": \"big\", \"intermediate_size\": 1", "hidden_size");

    [Fact]
    public void AConfigTooLargeForArraysIsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(
            "\"model_type\": \"llama\", \"hidden_size\": 65536, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 1000000"));
        Assert.Contains("vocab_size", error.Message);
    }

    [Fact]
    public void NotJsonIsAClearError()
    {
        var error = Assert.Throws<InvalidDataException>(() => LlamaConfig.Parse("{\"model_type\": "u8, "x/config.json"));
        Assert.Contains("x/config.json", error.Message);
        Assert.Throws<InvalidDataException>(() => LlamaConfig.Parse("null"u8));
    }
}
