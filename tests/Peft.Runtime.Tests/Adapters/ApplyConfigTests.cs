namespace Peft.Tests.Adapters;

public sealed class ApplyConfigTests
{
    [Fact]
    public void Target_modules_match_the_end_of_the_path()
    {
        var model = new TinyModel();
        var paths = model.Apply(new AdapterConfig { Options = new LoRAOptions { Rank = 2 }, TargetModules = ["q_proj", "out_proj"] });
        Assert.Equal(["attention.q_proj", "out_proj"], paths);
        Assert.IsType<LoRAAdapter<double>>(model.Query.Adapters.Active);
        Assert.Empty(model.Value.Adapters);
        Assert.True(model.Query.IsFrozen);
        Assert.Contains(model.NamedParameters(), p => p.Key == "attention.q_proj.default.lora_A");
    }

    [Fact]
    public void Multi_segment_names_match_on_a_dot_boundary_only()
    {
        var model = new TinyModel();
        var paths = model.Apply(new AdapterConfig { Options = new MoRAOptions { Rank = 1 }, TargetModules = ["attention.v_proj"] });
        Assert.Equal(["attention.v_proj"], paths);
        var none = Assert.Throws<ArgumentException>(() => model.Apply(new AdapterConfig { Options = new MoRAOptions(), TargetModules = ["proj"] }));
        Assert.Contains("No module matches target modules [proj]", none.Message);
        Assert.Contains("attention.q_proj", none.Message);
    }

    [Fact]
    public void Target_pattern_must_match_the_whole_path()
    {
        var model = new TinyModel();
        var paths = model.Apply(new AdapterConfig
        {
            Options = new LoRAPlusOptions { Rank = 2, Ratio = 8 },
            TargetPattern = @"attention\.(q|v)_proj",
            AdapterName = "plus",
        });
        Assert.Equal(["attention.q_proj", "attention.v_proj"], paths);
        Assert.IsType<LoRAPlusAdapter<double>>(model.Value.Adapters["plus"]);
        Assert.Throws<ArgumentException>(() => model.Apply(new AdapterConfig { Options = new LoRAOptions(), TargetPattern = "q_proj" }));
    }

    [Fact]
    public void Matching_a_module_that_is_not_a_Linear_is_an_error()
    {
        var model = new TinyModel();
        var ex = Assert.Throws<ArgumentException>(() => model.Apply(new AdapterConfig { Options = new LoRAOptions(), TargetModules = ["norm"] }));
        Assert.Contains("'norm' is a Norm", ex.Message);
    }

    [Fact]
    public void Invalid_options_name_the_layer_path()
    {
        var model = new TinyModel();
        var ex = Assert.Throws<ArgumentException>(() => model.Apply(new AdapterConfig { Options = new LoRAOptions { Rank = 4 }, TargetModules = ["out_proj"] }));
        Assert.Contains("Layer 'out_proj'", ex.Message);
        Assert.Contains("rank 4 exceeds min(in, out) = min(6, 3) = 3", ex.Message);
    }

    [Fact]
    public void Model_wide_merge_select_disable_and_delete()
    {
        var model = new TinyModel();
        model.Apply(new AdapterConfig { Options = new LoRAOptions { Rank = 2 }, TargetModules = ["q_proj", "v_proj"] });
        model.Apply(new AdapterConfig { Options = new LoRAOptions { Rank = 1 }, TargetModules = ["q_proj"], AdapterName = "other" });
        model.SetActiveAdapter("other");
        Assert.Equal("other", model.Query.Adapters.Active!.Name);
        Assert.Equal("default", model.Value.Adapters.Active!.Name);
        Assert.Throws<ArgumentException>(() => model.SetActiveAdapter("missing"));

        using (model.DisableAdapters())
        {
            Assert.True(model.Query.Adapters.IsDisabled && model.Value.Adapters.IsDisabled);
        }

        Assert.False(model.Query.Adapters.IsDisabled);
        model.MergeAdapters();
        Assert.True(model.Query.Adapters.Active!.IsMerged && model.Value.Adapters.Active!.IsMerged);
        model.UnmergeAdapters();
        Assert.False(model.Query.Adapters.Active!.IsMerged);
        Assert.Equal(2, model.DeleteAdapter("default"));
        Assert.Empty(model.Value.Adapters);
    }
}
