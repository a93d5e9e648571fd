using System.Reflection;
using Peft.Methods;

namespace Peft.Tests.Adapters;

/// <summary>
/// The shared method descriptions (linked into the generator and the analyzers) agree with the runtime's
/// attributes and options: same arguments, same defaults, same valid ranges.
/// </summary>
public sealed class MethodDescriptionTests
{
    public static TheoryData<string> Methods() => new(Enum.GetNames<AdapterMethod>());

    [Theory]
    [MemberData(nameof(Methods))]
    public void Registry_holds_every_method_once_in_enum_order(string name)
    {
        var method = Enum.Parse<AdapterMethod>(name);
        Assert.Equal(method, AdapterMethods.Get(method).Method);
        Assert.Same(AdapterMethods.Get(method), AdapterMethods.All[(int)method]);
        Assert.Equal(Enum.GetValues<AdapterMethod>().Length, AdapterMethods.All.Count);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Attribute_has_exactly_the_described_arguments_with_the_described_defaults(string name)
    {
        var method = Enum.Parse<AdapterMethod>(name);
        AdapterMethodInfo info = AdapterMethods.Get(method);
        Type attribute = typeof(Module).Assembly.GetType(info.AttributeMetadataName)
            ?? throw new Xunit.Sdk.XunitException($"no attribute {info.AttributeMetadataName}");
        object instance = Activator.CreateInstance(attribute)!;
        // TargetModules (class-level attributes) selects layers; it is no argument of the adapter.
        var properties = attribute.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "TargetModules").ToList();
        Assert.Equal(info.Arguments.Select(a => a.Name).Order(), properties.Select(p => p.Name).Order());
        foreach (AdapterArgument argument in info.Arguments)
        {
            object value = attribute.GetProperty(argument.Name)!.GetValue(instance)!;
            double asDouble = value switch
            {
                bool flag => flag ? 1 : 0,
                Enum member => Convert.ToInt32(member, System.Globalization.CultureInfo.InvariantCulture),
                _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            };
            Assert.Equal(argument.Default, asDouble);
            Assert.True(argument.IsValid(argument.Default), $"{info.AttributeName}.{argument.Name}: the default must be valid");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-8.0)]
    [InlineData(1e300)]
    public void Any_finite_alpha_is_valid_as_in_PEFT(double alpha)
    {
        Assert.True(LoRAMethod.Alpha.IsValid(alpha));
        var lora = new Linear<double>(8, 6).AttachLoRA("default", new LoRAOptions { Rank = 2, Alpha = alpha });
        Assert.Equal(alpha / 2, lora.Options.Scale);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_alpha_is_invalid_everywhere(double alpha)
    {
        Assert.False(LoRAMethod.Alpha.IsValid(alpha));
        var error = Assert.Throws<ArgumentException>(() => new Linear<double>(8, 6).AttachLoRA("default", new LoRAPlusOptions { Rank = 2, Alpha = alpha }));
        Assert.Contains("LoRA alpha must be finite", error.Message);
    }

    [Theory]
    [InlineData(784, 256, 8, MoRAType.Sharing)]
    [InlineData(256, 10, 8, MoRAType.RoPE)]
    [InlineData(7, 3, 1, MoRAType.RoPE)]
    public void MoRA_square_rank_is_one_formula(int inFeatures, int outFeatures, int rank, MoRAType type)
    {
        int expected = (int)Math.Floor(Math.Sqrt((double)(inFeatures + outFeatures) * rank) + 0.5);
        expected = type == MoRAType.RoPE ? expected / 2 * 2 : expected;
        Assert.Equal(expected, MoRAShape.ComputeSquareRank(inFeatures, outFeatures, rank, type));
        Assert.Equal(expected, MoRAMethod.SquareRank(inFeatures, outFeatures, rank, (int)type));
    }
}
