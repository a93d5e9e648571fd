namespace Peft.Generators.Tests.Models;

/// <summary>The members the generator adds to every annotated model, as an interface the test models declare.</summary>
public interface IAdapterModel
{
    IEnumerable<KeyValuePair<string, Module>> AdapterLayers();

    void RegisterAdapterLayers();

    void AttachAdapters(string adapterName = LinearAdapterExtensions.DefaultName, int seed = 0);

    AdamW CreateOptimizer(double learningRate, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8);

    void MergeAdapters();

    void UnmergeAdapters();
}
