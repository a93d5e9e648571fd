# Writes dynamic-map.txt: bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)
# evaluated with PyTorch's float32 linspace and arithmetic (the formula restated from bitsandbytes'
# functional.py; bitsandbytes itself does not install on this machine). Run:
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 make-dynamic-map.py > dynamic-map.txt
import torch

data = []
for i in range(7):
    boundaries = torch.linspace(0.1, 1, 2 ** i + 1)
    means = (boundaries[:-1] + boundaries[1:]) / 2.0
    data += ((10 ** (-6 + i)) * means).tolist()
    data += (-(10 ** (-6 + i)) * means).tolist()
data += [0.0, 1.0]
assert len(data) == 256
for value in sorted(data):
    print(f"{torch.tensor(value, dtype=torch.float32).view(torch.int32).item() & 0xFFFFFFFF:08x} {value!r}")
