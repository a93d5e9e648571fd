using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Peft.Methods;

namespace Peft.Analyzers.Diagnostics;

/// <summary>
/// Every diagnostic the Peft analyzers report, in one table. Each has a page
/// <c>docs/diagnostics/PEFTnnnn.md</c> (what, why, how to fix, an example) that its help link
/// points at, and a line in <c>AnalyzerReleases.Unshipped.md</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string InvalidLoRAPlusRatioId = AdapterMethods.InvalidLoRAPlusRatioId;
    public const string LargeLoRAPlusRatioId = AdapterMethods.LargeLoRAPlusRatioId;
    public const string RankBelowOneId = AdapterMethods.RankBelowOneId;
    public const string RankAboveLayerWidthId = AdapterMethods.RankAboveLayerWidthId;
    public const string InvalidAlphaId = AdapterMethods.InvalidAlphaId;
    public const string InvalidDropoutId = AdapterMethods.InvalidDropoutId;
    public const string UnknownMoRATypeId = AdapterMethods.UnknownMoRATypeId;
    public const string UnknownLoRAInitId = AdapterMethods.UnknownLoRAInitId;
    public const string AdaLoRATargetRankId = AdapterMethods.AdaLoRATargetRankId;
    public const string AdaLoRAScheduleId = AdapterMethods.AdaLoRAScheduleId;
    public const string AdaLoRAHyperparameterId = AdapterMethods.AdaLoRAHyperparameterId;
    public const string MultipleAdaptersId = "PEFT0009";
    public const string UnsupportedLayerTypeId = "PEFT0010";
    public const string AdapterTypeNotPartialId = "PEFT0011";
    public const string AdapterModelNotModuleId = "PEFT0012";
    public const string StaticAdapterMemberId = "PEFT0013";
    public const string AdapterPropertyWithoutGetterId = "PEFT0014";
    public const string UnsupportedLayerElementTypeId = "PEFT0015";
    public const string LanguageVersionTooLowId = "PEFT0016";
    public const string VeRAProjectionsDifferId = AdapterMethods.VeRAProjectionsDifferId;
    public const string InvalidLoKrFactorId = AdapterMethods.InvalidLoKrFactorId;
    public const string UnknownLoKrInitId = AdapterMethods.UnknownLoKrInitId;

    // PEFT0030…: the module generator (RegisterMembers, generated Backward). PEFT0012–0029 are another family's.
    public const string ForwardNotDifferentiableId = "PEFT0030";
    public const string ModuleCalledTwiceId = "PEFT0031";
    public const string ModuleContainerNotPartialId = "PEFT0032";

    // PEFT0040…: class-level adapter attributes and their TargetModules (src/Shared/TargetModules).
    public const string UnmatchedTargetModuleId = "PEFT0040";
    public const string TargetModuleClaimedTwiceId = "PEFT0041";
    public const string UnservableClassAdapterId = "PEFT0042";

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

    /// <summary>PEFT0005: <c>Alpha</c> not finite.</summary>
    public static readonly DiagnosticDescriptor InvalidAlpha = Create(
        InvalidAlphaId,
        "Adapter Alpha must be finite",
        "{0} Alpha on '{1}' is {2}; the scale s = Alpha/Rank needs a finite Alpha",
        Configuration,
        DiagnosticSeverity.Error,
        "The adapter's output is scaled by s = α/r (rsLoRA: α/√r). As in Hugging Face PEFT, any finite α is accepted (0 switches the adapter's output off, a negative α flips its sign); NaN or infinity turns every output into NaN or infinity.");

    /// <summary>PEFT0006: a dropout probability (LoRA <c>Dropout</c>, LoHa / LoKr <c>RankDropout</c>, <c>ModuleDropout</c>) outside [0, 1) or NaN.</summary>
    public static readonly DiagnosticDescriptor InvalidDropout = Create(
        InvalidDropoutId,
        "Adapter dropout must lie in [0, 1)",
        "{2} {3} on '{0}' is {1}; a dropout probability must lie in [0, 1)",
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

    /// <summary>PEFT0019: AdaLoRA <c>TargetRank</c> negative or not below <c>Rank</c>.</summary>
    public static readonly DiagnosticDescriptor AdaLoRATargetRank = Create(
        AdaLoRATargetRankId,
        "AdaLoRA target rank must lie below the initial rank",
        "{0} {1} on '{2}' is {3}: {4}",
        Configuration,
        DiagnosticSeverity.Error,
        "AdaLoRA starts every matrix at rank Rank (PEFT's init_r) and masks triplets by importance until the average rank reaches TargetRank (target_r). A target at or above the initial rank leaves nothing to allocate (PEFT's budget threshold would be the 0-th smallest score), and a negative target is no rank.");

    /// <summary>PEFT0020: AdaLoRA's schedule: <c>Tinit + Tfinal &lt; TotalSteps</c>, <c>DeltaT ≥ 1</c>, <c>TotalSteps ≥ 1</c>.</summary>
    public static readonly DiagnosticDescriptor AdaLoRASchedule = Create(
        AdaLoRAScheduleId,
        "AdaLoRA's budget schedule needs a budgeting phase",
        "{0} {1} on '{2}' is {3}: {4}",
        Configuration,
        DiagnosticSeverity.Error,
        "AdaLoRA keeps the full budget for Tinit steps, shrinks it cubically until TotalSteps − Tfinal and then fine-tunes the final pattern. PEFT requires total_step (it has no default) and tinit < total_step − tfinal, or there is no budgeting phase; masks are taken every DeltaT steps, so DeltaT must be at least 1.");

    /// <summary>PEFT0021: AdaLoRA <c>Beta1</c>/<c>Beta2</c> outside (0, 1) or a negative <c>OrthRegWeight</c>.</summary>
    public static readonly DiagnosticDescriptor AdaLoRAHyperparameter = Create(
        AdaLoRAHyperparameterId,
        "AdaLoRA's EMA factors lie in (0, 1) and its orthogonal weight is at least 0",
        "{0} {1} on '{2}' is {3}: {4}",
        Configuration,
        DiagnosticSeverity.Error,
        "The importance scores are exponential moving averages Ī ← β·Ī + (1 − β)·I; PEFT asserts 0 < β < 1 (β = 0 forgets everything, β = 1 never learns). The orthogonal regularizer is added to the loss with weight orth_reg_weight, which PEFT requires to be at least 0.");
    /// <summary>PEFT0022: two <c>[VeRA]</c> layers of one model with a different <c>Rank</c> or <c>ProjectionPrngKey</c>.</summary>
    public static readonly DiagnosticDescriptor VeRAProjectionsDiffer = Create(
        VeRAProjectionsDifferId,
        "VeRA layers of a model share one rank and one projection key",
        "'{0}' has [VeRA] {1} = {2}, but '{3}' has {1} = {4}; every VeRA layer of a model shares the projections, so they take one Rank and one ProjectionPrngKey",
        Configuration,
        DiagnosticSeverity.Error,
        "VeRA's frozen random projections vera_A [r, in_max] and vera_B [out_max, r] are one pair for the whole model (PEFT's VeraModel draws them once from projection_prng_key and slices them per layer). Layers with another rank or key would need another pair, which PEFT's file format cannot hold.");

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

    /// <summary>PEFT0012: the type declaring an adapter member is not a class deriving from <c>Peft.Module</c>.</summary>
    public static readonly DiagnosticDescriptor AdapterModelNotModule = Create(
        AdapterModelNotModuleId,
        "Adapter layers must be declared in a class deriving from Peft.Module",
        "[{0}] on '{1}' is ignored: '{2}' is not a class deriving from Peft.Module, so the generator cannot add AttachAdapters to it",
        Usage,
        DiagnosticSeverity.Error,
        "The generator adds AttachAdapters, CreateOptimizer and MergeAdapters to the model type and registers the annotated layers as its child modules; that needs a class deriving from Peft.Module. On a struct, record struct, interface or a class with another base, it generates nothing.");

    /// <summary>PEFT0013: an adapter attribute on a static field or property.</summary>
    public static readonly DiagnosticDescriptor StaticAdapterMember = Create(
        StaticAdapterMemberId,
        "Adapter layers must be instance members",
        "[{0}] on static member '{1}' is ignored: adapters attach to the layers of a model instance; make '{1}' an instance member",
        Usage,
        DiagnosticSeverity.Error,
        "A static layer would be shared by every model instance, and each AttachAdapters call would attach another adapter to the same layer. The generator only serves instance fields and properties.");

    /// <summary>PEFT0014: an adapter attribute on a property without a getter, or on an indexer.</summary>
    public static readonly DiagnosticDescriptor AdapterPropertyWithoutGetter = Create(
        AdapterPropertyWithoutGetterId,
        "Adapter properties need a getter",
        "[{0}] on '{1}' is ignored: the generated code reads the layer through the property, which has no getter (or is an indexer)",
        Usage,
        DiagnosticSeverity.Error,
        "The generated AttachAdapters, MergeAdapters and AdapterLayers read each annotated layer through its member. A write-only property or an indexer gives them nothing to read.");

    /// <summary>PEFT0015: the annotated layer's element type is neither float nor double.</summary>
    public static readonly DiagnosticDescriptor UnsupportedLayerElementType = Create(
        UnsupportedLayerElementTypeId,
        "Adapter layers must have element type float or double",
        "[{0}] on '{1}' of type '{2}' is ignored: the generated kernels exist for float and double, not for '{3}'",
        Usage,
        DiagnosticSeverity.Error,
        "The generator emits SIMD kernels for Linear<float> (Linear) and Linear<double>. Other element types (Half, a type parameter) have no specialized kernel; use the runtime path (Apply with an AdapterConfig) or a float or double layer.");

    /// <summary>PEFT0016: the language version is below the C# the generated code is written in.</summary>
    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Create(
        LanguageVersionTooLowId,
        "Adapter code generation needs C# 12 or later",
        "[{0}] on '{1}' needs C# 12 or later for its generated code, but the project uses C# {2}; set <LangVersion>12</LangVersion> or later",
        Usage,
        DiagnosticSeverity.Error,
        "The generated adapter code uses file-local types (C# 11) and collection expressions (C# 12). With an older language version it would not compile, so the cause is reported here rather than as errors inside generated files.");

    /// <summary>PEFT0017: LoKr <c>DecomposeFactor</c> neither −1 nor a factor of the layer's widths.</summary>
    public static readonly DiagnosticDescriptor InvalidLoKrFactor = Create(
        InvalidLoKrFactorId,
        "LoKr DecomposeFactor must be -1 or divide the layer's widths",
        "LoKr DecomposeFactor on '{0}' is {1}; {2}",
        Configuration,
        DiagnosticSeverity.Error,
        "LoKr splits in = c·d and out = a·b with PEFT's factorization(width, DecomposeFactor): -1 splits near the square root, a positive factor f gives (f, width/f). PEFT accepts a factor that does not divide a width and silently searches another split; here the factor must be -1 or divide both in and out, so the split is the one written.");

    /// <summary>PEFT0018: LoKr <c>Init</c> not a known <c>LoKrInit</c>.</summary>
    public static readonly DiagnosticDescriptor UnknownLoKrInit = Create(
        UnknownLoKrInitId,
        "Unknown LoKr initialisation",
        "LoKr Init on '{0}' is {1}, which is not a known LoKrInit; use one of {2}",
        Configuration,
        DiagnosticSeverity.Error,
        "LoKr's factors start as PEFT's init_weights says: True (Default: W1 zero), \"lycoris\" (LyCORIS: W2 zero) or False (Random); a number cast to LoKrInit that names none of them has no initialisation to run.");

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

    /// <summary>PEFT0040: a class-level target that matches no Linear of the model (with the nearest names).</summary>
    public static readonly DiagnosticDescriptor UnmatchedTargetModule = Create(
        UnmatchedTargetModuleId,
        "Target module matches no Linear in the model",
        "'{0}' matches no Linear in {1}{2}",
        Usage,
        DiagnosticSeverity.Error,
        "A name in TargetModules matches the modules whose path equals it or ends with '.' followed by it (PEFT's target_modules). The generator resolves the names against the model's module names at compile time; a name that matches no Linear layer would attach nothing (PEFT raises 'Target modules not found'), and one that names another kind of module cannot take an adapter.");

    /// <summary>PEFT0041: a layer matched by the targets of two class-level attributes.</summary>
    public static readonly DiagnosticDescriptor TargetModuleClaimedTwice = Create(
        TargetModuleClaimedTwiceId,
        "Two adapter attributes target the same layer",
        "'{0}' on [{1}] targets {2}, which [{3}] already claims with '{4}'; a layer takes one adapter",
        Usage,
        DiagnosticSeverity.Error,
        "Several class-level adapter attributes may share a class when their targets are disjoint. A layer matched by two of them would get two adapters under one adapter name, which the runtime refuses; give each layer to one attribute.");

    /// <summary>PEFT0042: a class-level adapter attribute the generator cannot serve, or TargetModules on a member.</summary>
    public static readonly DiagnosticDescriptor UnservableClassAdapter = Create(
        UnservableClassAdapterId,
        "Class-level adapter attribute cannot be served",
        "[{0}] on '{1}' is ignored: {2}",
        Usage,
        DiagnosticSeverity.Error,
        "A class-level adapter attribute needs a partial class deriving from Peft.Module (usually from a library model such as LlamaForCausalLM), a TargetModules list of at least one name, no adapter attributes on the class's members, and targets of one element type. TargetModules belongs on class-level attributes only: on a field or property the member itself is the target.");

    /// <summary>The descriptor with id <paramref name="id"/> among those a shared method description can name, or null.</summary>
    public static DiagnosticDescriptor? Find(string? id)
    {
        foreach (DiagnosticDescriptor descriptor in MethodRules)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        return null;
    }

    /// <summary>The descriptors of argument rules (the ids in <c>Peft.Methods.AdapterMethods</c>).</summary>
    private static IEnumerable<DiagnosticDescriptor> MethodRules =>
    [
        InvalidLoRAPlusRatio, LargeLoRAPlusRatio, RankBelowOne, RankAboveLayerWidth, InvalidAlpha, InvalidDropout, UnknownMoRAType, UnknownLoRAInit,
        InvalidLoKrFactor, UnknownLoKrInit,
        AdaLoRATargetRank, AdaLoRASchedule, AdaLoRAHyperparameter,
    ];

    private static DiagnosticDescriptor Create(
        string id, string title, string messageFormat, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true, description, HelpLinkBase + id + ".md");
}
