namespace Peft;

/// <summary>What the <see cref="AdaLoRARankAllocator"/> asks of an AdaLoRA adapter of either element type.</summary>
internal interface IAdaLoRAAdapter
{
    /// <summary>The adapter's name.</summary>
    string Name { get; }

    /// <summary>Its options (the schedule the allocator runs).</summary>
    AdaLoRAOptions Options { get; }

    /// <summary>Its importance scores, rank pattern and orthogonal regularizer.</summary>
    IAdaLoRAState State { get; }
}

/// <summary>One adapter's part of AdaLoRA's allocation, independent of the element type.</summary>
internal interface IAdaLoRAState
{
    /// <summary>The initial rank r (triplets, kept or not).</summary>
    int Rank { get; }

    /// <summary>Whether an allocation has run (or a rank pattern was loaded).</summary>
    bool HasPattern { get; }

    /// <summary>PEFT's <c>update_ipt</c> for A, E and B from their values and current gradients.</summary>
    void UpdateImportance(double beta1, double beta2);

    /// <summary>PEFT's <c>reset_ipt</c>: the importance EMAs back to zero.</summary>
    void ResetImportance();

    /// <summary>Computes the r triplet scores (kept for <see cref="MaskAtOrBelow"/>) and writes them to <paramref name="scores"/>.</summary>
    void WriteScores(Span<double> scores);

    /// <summary>Masks (E[k] = 0) every triplet whose latest score is ≤ <paramref name="threshold"/>; the rest form the rank pattern.</summary>
    void MaskAtOrBelow(double threshold);

    /// <summary>Zeroes E where the rank pattern drops a triplet (PEFT's <c>mask_using_rank_pattern</c>).</summary>
    void MaskByPattern();

    /// <summary>
    /// Adds <paramref name="factor"/>·∇(‖AAᵀ − I‖_F + ‖BᵀB − I‖_F) to the gradients of A and B (when trainable) and returns
    /// <c>‖AAᵀ − I‖_F + ‖BᵀB − I‖_F</c>.
    /// </summary>
    double AddOrthogonalGradient(double factor);

    /// <summary>Adds the importance EMAs (once they exist) and the rank pattern (once allocated) under <paramref name="prefix"/>.</summary>
    void WriteCheckpoint(List<Peft.IO.SafetensorsTensor> tensors, string prefix);

    /// <summary>Checks what <see cref="WriteCheckpoint"/> wrote (types and lengths), changing nothing.</summary>
    void CheckCheckpoint(Peft.IO.SafetensorsFile tensors, string prefix, string file);

    /// <summary>Restores the EMAs and the pattern (absent ones: none yet, as in a run that had not reached them).</summary>
    void RestoreCheckpoint(Peft.IO.SafetensorsFile tensors, string prefix);
}
