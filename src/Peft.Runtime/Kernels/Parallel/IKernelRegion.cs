namespace Peft.Generated;

/// <summary>
/// The body of a <see cref="KernelParallel"/> region: a struct (so the call is specialized and
/// nothing is boxed) that processes a range of items — rows, row blocks, columns.
/// </summary>
/// <typeparam name="T">The element type of the region's spans.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IKernelRegion<T>
    where T : unmanaged
{
    /// <summary>
    /// Processes items <c>[start, end)</c> as participant <paramref name="participant"/>
    /// (0 is the calling thread). A participant may be called several times with different ranges;
    /// ranges never overlap and together cover every item once.
    /// </summary>
    void Execute(int participant, int start, int end, in PinnedSpans<T> spans);
}
