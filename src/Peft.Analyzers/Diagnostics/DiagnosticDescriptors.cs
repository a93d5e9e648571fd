using Microsoft.CodeAnalysis;

namespace Peft.Analyzers.Diagnostics;

/// <summary>
/// Every diagnostic the Peft analyzers report, in one table. Each has a page
/// <c>docs/diagnostics/PEFTnnnn.md</c> (what, why, how to fix, an example) that its help link
/// points at, and a line in <c>AnalyzerReleases.Unshipped.md</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string InvalidLoRAPlusRatioId = "PEFT0001";
    public const string LargeLoRAPlusRatioId = "PEFT0002";
    public const string RankBelowOneId = "PEFT0003";
    public const string RankAboveLayerWidthId = "PEFT0004";
    public const string InvalidAlphaId = "PEFT0005";
    public const string InvalidDropoutId = "PEFT0006";
    public const string UnknownMoRATypeId = "PEFT0007";
    public const string UnknownLoRAInitId = "PEFT0008";
    public const string MultipleAdaptersId = "PEFT0009";
    public const string UnsupportedLayerTypeId = "PEFT0010";
    public const string AdapterTypeNotPartialId = "PEFT0011";

    // PEFT0030…: the module generator (RegisterMembers, generated Backward). PEFT0012–0029 are another family's.
    public const string ForwardNotDifferentiableId = "PEFT0030";
    public const string ModuleCalledTwiceId = "PEFT0031";
    public const string ModuleContainerNotPartialId = "PEFT0032";

    /// <summary>Where the pages live; a descriptor's help link is this plus <c>PEFTnnnn.md</c>.</summary>
    public const string HelpLinkBase = "https://github.com/peft-generators/Peft.Generators/blob/main/docs/diagnostics/";

    private const string Usage = "Peft.Usage";
    private const string Configuration = "Peft.Configuration";

    /// <summary>PEFT0001: LoRA+ <c>Ratio</c> below 1.0 or not finite.</summary>
    public static readonly DiagnosticDescriptor InvalidLoRAPlusRatio = Create(
        InvalidLoRAPlusRatioId,
        "LoRA+ Ratio must be finite and at least 1.0",
        "LoRA+ Ratio on '{0}' is {1}: B's learning rate (lr·Ratio) must be at least A's (lr), so Ratio must be a finite value ≥ 1.0 (16 is the paper's default)",
        Configuration,
        DiagnosticSeverity.Error,
        "LoRA+ trains B at lr·Ratio and A at lr. The method rests on B learning faster than A; a ratio below 1 inverts it, and a NaN or infinite ratio makes every update of B NaN or infinite.");

    /// <summary>PEFT0002: LoRA+ <c>Ratio</c> above 64.</summary>
    public static readonly DiagnosticDescriptor LargeLoRAPlusRatio = Create(
        LargeLoRAPlusRatioId,
        "LoRA+ Ratio above 64 is unstable",
        "LoRA+ Ratio on '{0}' is {1}: ratios above 64 made training unstable in the LoRA+ ablation; 16 is the paper's default",
        Configuration,
        DiagnosticSeverity.Warning,
        "In the LoRA+ paper's ablation, the best ratios lie around 16 and training degrades or diverges as the ratio grows past 64, because B's steps become too large for the learning rate that suits A.");

    /// <summary>PEFT0003: <c>Rank</c> below 1.</summary>
    public static readonly DiagnosticDescriptor RankBelowOne = Create(
        RankBelowOneId,
        "Adapter rank must be at least 1",
        "{0} Rank on '{1}' is {2}; the rank must be at least 1",
        Configuration,
        DiagnosticSeverity.Error,
        "The rank r is the inner dimension of the adapter (A is r×in, B is out×r; MoRA's square matrix is derived from r). A rank of zero or less has no parameters and a scale α/r that divides by zero.");

    /// <summary>PEFT0004: LoRA / LoRA+ <c>Rank</c> above min(in, out) of a layer whose shape is a constant.</summary>
    public static readonly DiagnosticDescriptor RankAboveLayerWidth = Create(
        RankAboveLayerWidthId,
        "LoRA rank exceeds the layer's smaller dimension",
        "{0} Rank on '{1}' is {2}, above min(in, out) = {3} of its {4}→{5} layer; B·A can never have rank above {3}, so the extra parameters add nothing",
        Configuration,
        DiagnosticSeverity.Error,
        "The update B·A (B out×r, A r×in) has rank at most min(in, out, r). A rank above min(in, out) only adds parameters, memory and compute that cannot change what the adapter can express, and usually means the layer shape or the rank was mistyped.");

    /// <summary>PEFT0005: <c>Alpha</c> not positive or not finite.</summary>
    public static readonly DiagnosticDescriptor InvalidAlpha = Create(
        InvalidAlphaId,
        "Adapter Alpha must be positive and finite",
        "{0} Alpha on '{1}' is {2}; the scale s = Alpha/Rank needs a positive, finite Alpha",
        Configuration,
        DiagnosticSeverity.Error,
        "The adapter's output is scaled by s = α/r (rsLoRA: α/√r). α = 0 switches the adapter off and leaves B without gradient; a negative α flips the update's sign; NaN or infinity turns every output into NaN or infinity.");

    /// <summary>PEFT0006: LoRA <c>Dropout</c> outside [0, 1) or NaN.</summary>
    public static readonly DiagnosticDescriptor InvalidDropout = Create(
        InvalidDropoutId,
        "LoRA Dropout must lie in [0, 1)",
        "LoRA Dropout on '{0}' is {1}; a dropout probability must lie in [0, 1)",
        Configuration,
        DiagnosticSeverity.Error,
        "Dropout zeroes each input of the adapter with probability p and scales the rest by 1/(1−p). p < 0 is not a probability, p = 1 drops everything and divides by zero, and NaN propagates into every output.");

    /// <summary>PEFT0007: MoRA <c>Type</c> not a known <c>MoRAType</c>.</summary>
    public static readonly DiagnosticDescriptor UnknownMoRAType = Create(
        UnknownMoRATypeId,
        "Unknown MoRA type",
        "MoRA Type on '{0}' is {1}, which is not a known MoRAType; use one of {2}",
        Configuration,
        DiagnosticSeverity.Error,
        "MoRA's compression and decompression are chosen by MoRAType; the generator only knows the named values (Sharing = 1 and RoPE = 6, the official implementation's mora_type numbers). Any other number has no operator to compile to.");

    /// <summary>PEFT0008: LoRA <c>Init</c> not a known <c>LoRAInit</c>.</summary>
    public static readonly DiagnosticDescriptor UnknownLoRAInit = Create(
        UnknownLoRAInitId,
        "Unknown LoRA initialisation",
        "LoRA Init on '{0}' is {1}, which is not a known LoRAInit; use one of {2}",
        Configuration,
        DiagnosticSeverity.Error,
        "LoRA's A matrix is initialised Kaiming-uniform or Gaussian; a number cast to LoRAInit that names neither has no initialisation to run.");

    /// <summary>PEFT0009: more than one adapter attribute on one member.</summary>
    public static readonly DiagnosticDescriptor MultipleAdapters = Create(
        MultipleAdaptersId,
        "A layer takes one adapter",
        "'{0}' already has the adapter [{1}]; remove [{2}], a layer takes exactly one adapter attribute",
        Usage,
        DiagnosticSeverity.Error,
        "The generator replaces a layer's forward, backward, update and merge code with the code of its adapter. Two adapters on one layer would need two replacements of the same code, and their parameters would share PEFT key names, so only one adapter attribute is allowed per member.");

    /// <summary>PEFT0010: an adapter attribute on a member whose type is not a supported layer.</summary>
    public static readonly DiagnosticDescriptor UnsupportedLayerType = Create(
        UnsupportedLayerTypeId,
        "Adapter on a member that is not a supported layer",
        "[{0}] is on '{1}' of type '{2}', which is not a supported layer; adapters apply to Peft.Linear and Peft.Linear<T>",
        Usage,
        DiagnosticSeverity.Error,
        "The generator emits adapter code for the exact shapes and kernels of the supported layers: Peft.Linear and Peft.Linear<T>. On any other member type it has nothing to adapt.");

    /// <summary>PEFT0011: a type holding adapter members (directly or in nested types) is not partial.</summary>
    public static readonly DiagnosticDescriptor AdapterTypeNotPartial = Create(
        AdapterTypeNotPartialId,
        "A type holding adapter layers must be partial",
        "'{0}' must be partial: the generator adds the adapter code for '{1}' to it",
        Usage,
        DiagnosticSeverity.Error,
        "The generator emits the adapter plumbing as another part of the type that declares the layer, nested inside every containing type. C# only merges parts of partial types, so that type and every type containing it must be declared partial.");

    /// <summary>PEFT0030: a statement of a module's <c>Forward</c> that the generator cannot differentiate.</summary>
    public static readonly DiagnosticDescriptor ForwardNotDifferentiable = Create(
        ForwardNotDifferentiableId,
        "Forward cannot be differentiated",
        "No Backward is generated for '{0}': '{1}' cannot be differentiated, because {2}",
        Usage,
        DiagnosticSeverity.Warning,
        "The generator writes Backward for a Forward made of local declarations, assignments to locals and a final return, where every value is the parameter, a local or a call Member.Forward(values) on a member module whose type has the matching Backward. Backward then runs those calls' Backward methods in reverse. Loops, branches, other calls, arithmetic on tensors, ref/out arguments and values that never reach the result have no such chain.");

    /// <summary>PEFT0031: a module member called twice in one <c>Forward</c>.</summary>
    public static readonly DiagnosticDescriptor ModuleCalledTwice = Create(
        ModuleCalledTwiceId,
        "A module member is called twice in Forward",
        "No Backward is generated for '{0}': in '{1}', {2}",
        Usage,
        DiagnosticSeverity.Warning,
        "A layer keeps a reference to the input of its latest Forward and owns its output tensor, which its next Forward overwrites. Calling one member twice in a Forward leaves the first call's input and output gone before Backward needs them (and the second call may write its output over its own input). Use one member per call.");

    /// <summary>PEFT0032: a partial module class nested in a type that is not partial.</summary>
    public static readonly DiagnosticDescriptor ModuleContainerNotPartial = Create(
        ModuleContainerNotPartialId,
        "A module class's containing type must be partial",
        "'{0}' gets no generated member registration or Backward: its containing type '{1}' is not partial",
        Usage,
        DiagnosticSeverity.Warning,
        "The generator adds RegisterMembers (and Backward) to a partial module class as another part nested in every containing type; C# only merges parts of partial types, so every containing type must be partial too. Without them the class's module members are not children: their parameters are not listed, trained or saved.");

    private static DiagnosticDescriptor Create(
        string id, string title, string messageFormat, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true, description, HelpLinkBase + id + ".md");
}
