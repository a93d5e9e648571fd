using System.Reflection;

namespace Peft.Models.Tests;

/// <summary>
/// The [ModuleName] description the generator reads at compile time is what the constructors register at run time: every
/// annotated property of the Llama modules holds the child registered under that name, and every registered Linear is
/// described.
/// </summary>
public sealed class ModuleNameTests
{
    [Fact]
    public void Every_described_property_is_the_child_registered_under_its_name()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        int checkedProperties = 0;
        foreach (var (path, module) in model.NamedModules())
        {
            var children = module.Children.ToDictionary(child => child.Key, child => child.Value);
            foreach (PropertyInfo property in module.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<ModuleNameAttribute>() is not { } name)
                {
                    continue;
                }

                Assert.True(children.TryGetValue(name.Name, out Module? child), $"{path}: no child '{name.Name}' for {property.Name}");
                Assert.Same(child, property.GetValue(module));
                checkedProperties++;
            }
        }

        // model, lm_head; embed_tokens, layers, norm; per layer 4 + 4 attention + 3 MLP.
        Assert.Equal(2 + 3 + (2 * 11), checkedProperties);
    }

    [Fact]
    public void Every_linear_is_reached_through_described_properties()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var described = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        Walk(model);
        Assert.All(model.NamedModules().Where(m => m.Value is Linear<float>), m => Assert.Contains(m.Value, described));

        void Walk(Module module)
        {
            foreach (PropertyInfo property in module.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<ModuleNameAttribute>() is not null && property.GetValue(module) is Module child)
                {
                    described.Add(child);
                    Walk(child);
                    foreach (var (_, element) in child is ModuleList<LlamaDecoderLayer<float>> list ? list.Children : [])
                    {
                        described.Add(element);
                        Walk(element);
                    }
                }
            }
        }
    }
}
