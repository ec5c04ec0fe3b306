#!/usr/bin/env python3
"""The pixels of ric-tui's half-block pictures, read back from the screen.

tui_pixels.py write OUT.png   writes the 32x32 test picture (known colours:
                              ramps, the 8 basic corners, near-blacks)
tui_pixels.py check MODE PNG  reads `tmux capture-pane -e -p` on stdin, finds
                              the block of U+2580 cells and checks each cell's
                              foreground (top pixel) and background (bottom
                              pixel) against PNG's pixels: MODE truecolor
                              exact (38;2;R;G;B; near-black (0,0,0..7) as
                              (0,1,0..7)), 256 the nearest xterm-256
                              palette entry, 8 the nearest basic colour.
Prints what it compared; exits 1 on the first mismatches (listed)."""
import os, re, struct, sys, zlib
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkpng import chunk, decode  # noqa: E402

def picture(x, y):
    if y < 2 and x < 8:  # near-blacks: 0..7 are the basic colours' numbers
        return (0, 0, x) if y == 0 else (x, x, x)
    if y < 4 and x < 8:  # the 8 corners of the cube
        return tuple(255 * ((x >> k) & 1) for k in range(3))
    return ((8 * x + 3) % 256, (8 * y + 5) % 256, (37 * x * y + 11) % 256)

def write(path):
    raw = b"".join(b"\0" + bytes(v for x in range(32) for v in picture(x, y)) for y in range(32))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def read_png(path):
    w, h, rows = decode(open(path, "rb").read())
    return w, h, [[tuple(r[3 * x:3 * x + 3]) for x in range(w)] for r in rows]

# the xterm palette, 16..255: the 6x6x6 cube and the grey ramp
LEVELS = (0, 95, 135, 175, 215, 255)
PALETTE = {16 + 36 * r + 6 * g + b: (LEVELS[r], LEVELS[g], LEVELS[b])
           for r in range(6) for g in range(6) for b in range(6)}
PALETTE.update({232 + i: (8 + 10 * i,) * 3 for i in range(24)})

def d2(p, q):
    return sum((a - b) ** 2 for a, b in zip(p, q))

def cells(text):
    """[(row, col, char, fg, bg)] of the U+2580 cells; fg/bg as ('rgb', r, g, b),
    ('256', n), ('8', n) or None (default)."""
    out = []
    fg = bg = None
    for row, line in enumerate(text.split("\n")):
        col, i = 0, 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;:]*)m", line[i:])
            if m:
                ps = [int(p) if p else 0 for p in re.split("[;:]", m.group(1))] or [0]
                k = 0
                while k < len(ps):
                    p = ps[k]
                    if p == 0: fg = bg = None
                    elif p in (38, 48) and ps[k + 1] == 2:
                        c = ("rgb",) + tuple(ps[k + 2:k + 5]); k += 4
                        if p == 38: fg = c
                        else: bg = c
                    elif p in (38, 48) and ps[k + 1] == 5:
                        c = ("256", ps[k + 2]); k += 2
                        if p == 38: fg = c
                        else: bg = c
                    elif 30 <= p <= 37: fg = ("8", p - 30)
                    elif 40 <= p <= 47: bg = ("8", p - 40)
                    elif p == 39: fg = None
                    elif p == 49: bg = None
                    k += 1
                i += m.end()
                continue
            if line[i] == "\x1b":  # other escapes: skip to their final byte
                m = re.match(r"\x1b[\[\]][^a-zA-Z\x07]*[a-zA-Z\x07]?", line[i:])
                i += m.end() if m else 1
                continue
            if line[i] == "\u2580":
                out.append((row, col, fg, bg))
            col += 1
            i += 1
    return out

def want(mode, px):
    if mode == "truecolor":
        # ui/halfblock.h: (0, 0, 0..7) is drawn (0, 1, 0..7), as 0..7 are
        # the basic colours' numbers on a direct-colour terminal
        return [("rgb", 0, 1, px[2]) if px[:2] == (0, 0) and px[2] < 8 else ("rgb",) + px]
    if mode == "256":
        best = min(d2(px, c) for c in PALETTE.values())
        return [("256", n) for n, c in PALETTE.items() if d2(px, c) == best]
    return [("8", (px[0] >= 128) | (px[1] >= 128) << 1 | (px[2] >= 128) << 2)]

def check(mode, png):
    w, h, rows = read_png(png)
    got = cells(sys.stdin.read())
    if not got:
        print("no half-block cells on the screen")
        return 1
    r0, c0 = min(r for r, _, _, _ in got), min(c for _, c, _, _ in got)
    grid = {(r - r0, c - c0): (fg, bg) for r, c, fg, bg in got}
    nr, nc = max(r for r, _ in grid) + 1, max(c for _, c in grid) + 1
    # ui/halfblock.h: at scale s a cell is pixel (s cx, 2 s cy) over (s cx, (2 cy + 1) s)
    s = -(-w // nc)
    if -(-w // s) != nc or -(-(-(-h // s)) // 2) != nr or len(grid) != nr * nc:
        print("the picture is %d cells (%dx%d at row %d, column %d), not a %dx%d picture's"
              % (len(grid), nc, nr, r0, c0, w, h))
        return 1
    bad = []
    for (cy, cx), (fg, bg) in sorted(grid.items()):
        top, bot = rows[2 * cy * s][cx * s], rows[min((2 * cy + 1) * s, h - 1)][cx * s]
        for half, got_c, px in (("top", fg, top), ("bottom", bg, bot)):
            if got_c not in want(mode, px):
                bad.append("cell (%d,%d) %s: pixel %s drawn as %s, want %s"
                           % (cx, cy, half, px, got_c, " or ".join(map(str, want(mode, px)))))
    print("%d cells (scale %d) at row %d, column %d: %d pixels compared, %d wrong"
          % (len(grid), s, r0, c0, 2 * len(grid), len(bad)))
    for b in bad[:12]:
        print(b)
    return 1 if bad else 0

if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
        sys.exit(0)
    sys.exit(check(sys.argv[2], sys.argv[3]))
