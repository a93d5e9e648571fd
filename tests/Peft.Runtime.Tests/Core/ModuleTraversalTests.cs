namespace Peft.Tests.Core;

public sealed class ModuleTraversalTests
{
    private sealed class TwoPaths : Module
    {
        public TwoPaths()
        {
            Shared = new Linear(3, 3);
            RegisterModule("body", new Sequential(Shared, new ReLU()));
            RegisterModule("head", Shared);
        }

        public Linear Shared { get; }
    }

    private sealed class TiedWeights : Module
    {
        public TiedWeights()
        {
            Input = RegisterModule("input", new Linear(4, 4, bias: false));
            Output = RegisterModule("output", new SharedWeight(Input.Weight));
        }

        public Linear Input { get; }

        public Module Output { get; }
    }

    private sealed class SharedWeight : Module
    {
        public SharedWeight(Parameter<float> weight) => RegisterParameter(weight);
    }

    private sealed class LateMembers : Module
    {
        public Linear? First { get; set; }

        public Linear? Second { get; set; }

        public int Calls { get; private set; }

        protected override void RegisterMembers()
        {
            base.RegisterMembers();
            Calls++;
            RegisterMember(nameof(First), First);
            RegisterMember(nameof(Second), Second);
            RegisterMember("again", First);
        }
    }

    [Fact]
    public void A_module_reachable_by_two_paths_is_listed_once_under_the_first()
    {
        var model = new TwoPaths();
        Assert.Equal(["", "body", "body.0", "body.1"], model.NamedModules().Select(m => m.Key));
        Assert.Equal(["body.0.weight", "body.0.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Same(model.Shared, model.FindModule("head"));

        // One set of parameters: an optimizer over the model takes each once.
        var optimizer = new AdamW(model);
        Assert.Equal(2, optimizer.Groups.Sum(g => g.Parameters.Count));
    }

    [Fact]
    public void A_parameter_shared_by_two_modules_is_listed_once()
    {
        var model = new TiedWeights();
        Assert.Equal(["input.weight"], model.NamedParameters().Select(p => p.Key));
        Assert.Single(new AdamW(model).Groups.SelectMany(g => g.Parameters));
    }

    [Fact]
    public void Members_are_registered_once_before_the_first_traversal_skipping_null_and_reachable_modules()
    {
        var model = new LateMembers { First = new Linear(2, 2) };
        Assert.Equal(0, model.Calls);
        Assert.Equal(["", "First"], model.NamedModules().Select(m => m.Key));
        Assert.Equal(["", "First"], model.NamedModules().Select(m => m.Key));
        Assert.Equal(1, model.Calls);
    }
}
