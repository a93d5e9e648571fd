namespace Peft.Training.Reporting;

/// <summary>Loss curves as PNG images (ScottPlot): training loss per step, one line per run, optional evaluation points.</summary>
public static class LossCurvePlot
{
    /// <summary>One curve: a label and its (step, loss) points.</summary>
    /// <param name="Label">The legend text.</param>
    /// <param name="Steps">The x values.</param>
    /// <param name="Losses">The y values, one per step.</param>
    public sealed record Curve(string Label, IReadOnlyList<double> Steps, IReadOnlyList<double> Losses);

    /// <summary>The training loss of a <see cref="MetricsLog"/> as a curve (and its evaluations as a second one, when any).</summary>
    public static IEnumerable<Curve> FromLog(MetricsLog log, string label)
    {
        ArgumentNullException.ThrowIfNull(log);
        yield return new Curve(label, log.Steps.Select(s => (double)s.Step).ToArray(), log.Steps.Select(s => s.Loss).ToArray());
        if (log.Evaluations.Count > 0)
        {
            yield return new Curve(label + " (eval)", log.Evaluations.Select(e => (double)e.Step).ToArray(), log.Evaluations.Select(e => e.Loss).ToArray());
        }
    }

    /// <summary>Writes <paramref name="curves"/> to <paramref name="path"/> as a PNG (a temporary file renamed into place).</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="curves">The curves.</param>
    /// <param name="title">The plot title.</param>
    /// <param name="logScale">Whether the loss axis is logarithmic (base 10).</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void Save(string path, IEnumerable<Curve> curves, string title = "training loss", bool logScale = true, int width = 900, int height = 540)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(curves);
        var plot = new ScottPlot.Plot();
        foreach (var curve in curves)
        {
            var ys = curve.Losses.Select(y => logScale ? Math.Log10(Math.Max(y, 1e-12)) : y).ToArray();
            var line = plot.Add.Scatter(curve.Steps.ToArray(), ys);
            line.LegendText = curve.Label;
            line.MarkerSize = curve.Steps.Count > 60 ? 0 : 4;
        }

        if (logScale)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
                IntegerTicksOnly = true,
            };
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(logScale ? "loss (log scale)" : "loss");
        plot.ShowLegend();
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.png");
        try
        {
            plot.SavePng(temporary, width, height);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
