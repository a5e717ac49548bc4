# Makes the tiny PyTorch checkpoints TorchCheckpointTest reads (random numbers, not weights).
# Run with Debian's python3-torch (1.13): /usr/bin/python3 make_fixtures.py
# The oracle, expected.safetensors, is written here by hand (struct + numpy), not by torch.
import collections, json, struct
import numpy as np
import torch

g = torch.Generator().manual_seed(20261202)
base = torch.randn(6, 4, generator=g)
sd = collections.OrderedDict()
sd["model.encoder.layers.0.fc1.weight"] = torch.randn(5, 3, generator=g)
sd["model.encoder.layers.0.fc1.bias"] = torch.randn(5, generator=g)
sd["transposed"] = torch.randn(3, 4, generator=g).t()            # non-contiguous strides
sd["view_a"] = base[1:3]                                          # two views of one storage, with an offset
sd["view_b"] = base[:, 2]
sd["half"] = torch.randn(2, 3, generator=g).half()
sd["bf16"] = torch.randn(4, generator=g).bfloat16()
sd["double"] = torch.randn(2, 2, generator=g).double()
sd["position_ids"] = torch.arange(7).unsqueeze(0)                 # an int64 buffer
sd["scalar"] = torch.tensor(3.5)
sd._metadata = collections.OrderedDict([("", {"version": 1})])
torch.save(sd, "tiny-zip.bin")
torch.save(sd, "tiny-legacy.bin", _use_new_zipfile_serialization=False)

header, blobs, off = {}, [], 0
for k in sorted(sd):
    t = sd[k].float().contiguous()
    a = np.ascontiguousarray(t.numpy().astype("<f4")).reshape(tuple(t.shape))
    header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
    blobs.append(a.tobytes()); off += a.nbytes
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open("expected.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
