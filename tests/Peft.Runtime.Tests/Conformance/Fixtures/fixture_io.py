"""Writing fixtures for Peft.Runtime.Tests from the torch reference scripts."""
import json
import struct

import torch


def write_safetensors(path, tensors):
    """safetensors layout: u64 header length, JSON header padded to 8 bytes, then the data in header order."""
    names = sorted(tensors)
    header, offset, blobs = {}, 0, []
    for name in names:
        t = tensors[name].contiguous()
        dtype = {torch.float64: "F64", torch.float32: "F32"}[t.dtype]
        raw = t.numpy().astype("<f8" if dtype == "F64" else "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
