#!/usr/bin/env python3
"""Writes small PNGs for the shell tests: mkpng.py OUT.png W H KIND [R G B [A]]
KIND: rgb (solid colour), rgba (solid with alpha), grey16 (16-bit grey ramp),
pal (2-entry palette, left half colour, right half transparent).
mkpng.py --pixel STORE ROW X Y prints "W H R G B" of an image row's pixel
(8-bit RGB PNGs as ric stores them; the reading side of the tests)."""
import sqlite3, struct, sys, zlib

def decode(png):
    """(w, h, rows) of an 8-bit RGB PNG's bytes, each row a bytearray of 3 w."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        n, t = struct.unpack(">I4s", png[pos:pos + 8])
        d = png[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ct = struct.unpack(">IIBB", d[:10])
            assert depth == 8 and ct == 2
        elif t == b"IDAT":
            idat += d
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), 3 * w, bytearray(3 * w), []
    for r in range(h):
        f, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], prev[i - 3] if i >= 3 else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, rows

def pixel(db, row, x, y):
    png = sqlite3.connect(db).execute("SELECT image FROM dataset_rows WHERE id = ?", (row,)).fetchone()[0]
    w, h, rows = decode(png)
    print(w, h, *rows[y][3 * x:3 * x + 3])

def chunk(t, d):
    c = struct.pack(">I", len(d)) + t + d
    return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)

def main():
    if sys.argv[1] == "--pixel":
        pixel(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        sys.exit(0)
    out, w, h, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    c = [int(x) for x in sys.argv[5:]] or [255, 0, 0]
    extra = b""
    if kind == "rgb":
        ct, depth, row = 2, 8, bytes(c[:3]) * w
    elif kind == "rgba":
        ct, depth, row = 6, 8, bytes(c[:3] + [c[3] if len(c) > 3 else 128]) * w
    elif kind == "grey16":
        ct, depth = 0, 16
        row = b"".join(struct.pack(">H", x * 65535 // max(w - 1, 1)) for x in range(w))
    elif kind == "pal":
        ct, depth = 3, 8
        extra = chunk(b"PLTE", bytes(c[:3]) + b"\0\0\0") + chunk(b"tRNS", b"\xff\x00")
        row = bytes([0] * (w // 2) + [1] * (w - w // 2))
    else:
        sys.exit("mkpng: unknown kind " + kind)
    raw = b"".join(b"\0" + row for _ in range(h))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, 0))
           + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    open(out, "wb").write(png)

if __name__ == "__main__":
    main()
