namespace Peft;

/// <summary>
/// A building block of a model: it owns named parameters and named child modules.
/// Names form PEFT-style module paths (<c>encoder.layers.0.q_proj</c>) used to choose adapter
/// targets and to read and write weight files. No reflection: children and parameters are
/// registered explicitly (by hand, or by the source generator for annotated members).
/// </summary>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private readonly List<Parameter> _parameters = [];
    private bool _membersRegistered;

    /// <summary>Whether the module is in training mode (dropout active).</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The direct children, in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> Children
    {
        get
        {
            EnsureMembersRegistered();
            return _children;
        }
    }

    /// <summary>The parameters owned directly by this module, in registration order.</summary>
    public IReadOnlyList<Parameter> OwnParameters => _parameters;

    /// <summary>Registers a child module under <paramref name="name"/> and returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already taken.</exception>
    protected internal TModule RegisterModule<TModule>(string name, TModule module)
        where TModule : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        ValidateNewName(name);
        if (ReferenceEquals(module, this))
        {
            throw new ArgumentException($"A module cannot be its own child ('{name}').", nameof(module));
        }

        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Registers a parameter owned by this module and returns it.</summary>
    protected internal TParameter RegisterParameter<TParameter>(TParameter parameter)
        where TParameter : Parameter
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ValidateNewName(parameter.Name);
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Removes a parameter registered by this module (used when an adapter is deleted).</summary>
    protected internal bool UnregisterParameter(Parameter parameter) => _parameters.Remove(parameter);

    /// <summary>Removes a child module registered by this module (used when an adapter is deleted).</summary>
    protected internal bool UnregisterModule(Module module)
        => _children.RemoveAll(child => ReferenceEquals(child.Value, module)) > 0;

    /// <summary>
    /// This module and every descendant with its dotted path; this module's own path is
    /// <paramref name="prefix"/> (empty for the root). A module reachable by several paths is listed
    /// once, under the first path in registration order (as PyTorch's <c>named_modules</c>).
    /// </summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<KeyValuePair<string, Module>>();
        pending.Push(new(prefix, this));
        while (pending.Count > 0)
        {
            var (path, module) = pending.Pop();
            if (!seen.Add(module))
            {
                continue;
            }

            yield return new(path, module);
            var children = module.Children;
            for (int i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(new(Join(path, children[i].Key), children[i].Value));
            }
        }
    }

    /// <summary>
    /// Every parameter of this module and its descendants with its dotted path. A parameter shared by
    /// several modules (tied embeddings) is listed once, under its first path.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Parameter>> NamedParameters(string prefix = "")
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (path, module) in NamedModules(prefix))
        {
            foreach (var parameter in module._parameters)
            {
                if (seen.Add(parameter))
                {
                    yield return new(Join(path, parameter.Name), parameter);
                }
            }
        }
    }

    /// <summary>Every parameter of element type <typeparamref name="T"/>, with its dotted path.</summary>
    public IEnumerable<KeyValuePair<string, Parameter<T>>> NamedParameters<T>(string prefix = "")
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        foreach (var (path, parameter) in NamedParameters(prefix))
        {
            if (parameter is Parameter<T> typed)
            {
                yield return new(path, typed);
            }
        }
    }

    /// <summary>Finds a module by dotted path, or returns <see langword="null"/>.</summary>
    public Module? FindModule(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Module current = this;
        if (path.Length == 0)
        {
            return current;
        }

        foreach (var segment in path.Split('.'))
        {
            Module? next = null;
            foreach (var (name, child) in current.Children)
            {
                if (name == segment)
                {
                    next = child;
                    break;
                }
            }

            if (next is null)
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    /// <summary>
    /// Registers the members of a derived class as children; called once, before the first look at
    /// <see cref="Children"/>. The source generator overrides it in <c>partial</c> module classes so that
    /// their module-typed properties and fields are children without any code of yours (PyTorch
    /// registers attributes the same way); an override calls the base first.
    /// </summary>
    protected virtual void RegisterMembers()
    {
    }

    /// <summary>
    /// Registers <paramref name="module"/> as a child named <paramref name="name"/> unless it is
    /// <see langword="null"/> or already reachable from this module (for example inside a registered
    /// <see cref="Sequential{T}"/>): a module has one path.
    /// </summary>
    protected void RegisterMember(string name, Module? module)
    {
        if (module is null || ReferenceEquals(module, this))
        {
            return;
        }

        foreach (var (_, descendant) in NamedModules())
        {
            if (ReferenceEquals(descendant, module))
            {
                return;
            }
        }

        RegisterModule(name, module);
    }

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public void Train(bool training = true)
    {
        foreach (var (_, module) in NamedModules())
        {
            module.IsTraining = training;
        }
    }

    /// <summary>Sets evaluation mode (no dropout) on this module and every descendant.</summary>
    public void Eval() => Train(false);

    /// <summary>Zeroes the gradient of every parameter of this module and its descendants.</summary>
    public void ZeroGradients()
    {
        foreach (var (_, parameter) in NamedParameters())
        {
            parameter.ZeroGradient();
        }
    }

    private void EnsureMembersRegistered()
    {
        if (!_membersRegistered)
        {
            _membersRegistered = true;
            RegisterMembers();
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private void ValidateNewName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('.'))
        {
            throw new ArgumentException($"Name '{name}' must not contain '.'; paths are formed from names.", nameof(name));
        }

        foreach (var (existing, _) in _children)
        {
            if (existing == name)
            {
                throw new ArgumentException($"{GetType().Name} already has a child named '{name}'.", nameof(name));
            }
        }

        foreach (var parameter in _parameters)
        {
            if (parameter.Name == name)
            {
                throw new ArgumentException($"{GetType().Name} already has a parameter named '{name}'.", nameof(name));
            }
        }
    }
}
