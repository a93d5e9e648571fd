using Peft.IO;

namespace Peft.Training;

/// <summary>
/// A step hook with state a resumed run needs (AdaLoRA: the importance EMAs and the rank patterns). The
/// <see cref="Trainer"/> writes its tensors under <c>hooks/{CheckpointKey}/</c> in <c>checkpoint.safetensors</c>, checks
/// them with everything else before a resume changes anything, then restores them.
/// </summary>
internal interface ICheckpointedHook
{
    /// <summary>Unique among a trainer's hooks; the folder of its tensors (<c>adalora/default</c>).</summary>
    string CheckpointKey { get; }

    /// <summary>Adds the hook's state as tensors named <paramref name="prefix"/> + a local name.</summary>
    void WriteCheckpoint(List<SafetensorsTensor> tensors, string prefix);

    /// <summary>Checks the tensors under <paramref name="prefix"/> (names, types, shapes) without changing anything.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or does not fit; the message names <paramref name="file"/> and the tensor.</exception>
    void CheckCheckpoint(SafetensorsFile tensors, string prefix, string file);

    /// <summary>Restores the state checked by <see cref="CheckCheckpoint"/>.</summary>
    void RestoreCheckpoint(SafetensorsFile tensors, string prefix);
}
