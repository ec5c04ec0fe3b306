#!/usr/bin/env python3
"""st_close.py A B [TOL]: the F32 tensors of two .safetensors files have the
same names and shapes and differ by at most TOL (default 1e-5) relative to the
larger magnitude (absolute below 1). Prints the largest difference; exit 1 when
over, 2 on a bad file."""
import json, struct, sys
from array import array


def load(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        head = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in head.items():
        if name == '__metadata__':
            continue
        if t['dtype'] != 'F32':
            sys.exit(f'{path}: {name} is {t["dtype"]}, not F32')
        a = array('f')
        a.frombytes(data[t['data_offsets'][0]:t['data_offsets'][1]])
        out[name] = (t['shape'], a)
    return out


a, b = load(sys.argv[1]), load(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
if sorted(a) != sorted(b):
    print('different tensors'); sys.exit(1)
worst, where = 0.0, ''
for k in a:
    if a[k][0] != b[k][0]:
        print(f'{k}: shapes {a[k][0]} and {b[k][0]}'); sys.exit(1)
    for x, y in zip(a[k][1], b[k][1]):
        d = abs(x - y) / max(1.0, abs(x), abs(y))
        if d > worst or d != d:
            worst, where = d, k
print(f'largest difference {worst:.3g} ({where})')
sys.exit(0 if worst <= tol else 1)
