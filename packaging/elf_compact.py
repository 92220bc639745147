"""Shrink an ELF file without moving anything the dynamic loader sees (packaging/strip_bundle.py).

`strip` lays a file out anew, which breaks libraries that patchelf (auditwheel) rewrote; and
patchelf leaves holes: Pillow's libXau is 2 MB of zeros around 14 kB of code, because patchelf
put its new segment at the next 2 MiB boundary. Here every PT_LOAD segment keeps its bytes and
virtual addresses and moves only by whole pages (so offset and address stay congruent modulo
the page size); the symbol table, its strings and `.comment` go (nothing reads them at run
time); the other non-loaded sections and the section headers move to the end. A LOAD whose
alignment the move breaks gets the page size as its alignment (4 KiB on x86-64).
"""

from __future__ import annotations

import struct

PAGE = 4096
PT_LOAD = 1
SHT_NOBITS = 8
SHF_ALLOC = 0x2
SHF_INFO_LINK = 0x40
EHDR = "<HHIQQQIHHHHHH"  # ELF64 header after e_ident
PHDR = "<IIQQQQQQ"
SHDR = "<IIQQQQIIQQ"
DROP = (".symtab", ".strtab", ".comment")


def _dropped(name: bytes, flags: int) -> bool:
    text = name.decode("latin-1")
    return not flags & SHF_ALLOC and (text in DROP or text.startswith(".debug"))


def compact(data: bytes) -> bytes | None:
    """The compacted file, or None when it is not a 64-bit little-endian ELF file this handles
    or nothing would change."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    head = list(struct.unpack_from(EHDR, data, 16))
    phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx = (
        head[4], head[5], head[8], head[9], head[10], head[11], head[12],
    )  # fmt: skip
    if not shnum or shstrndx >= shnum or phentsize != 56 or shentsize != 64:
        return None
    phdrs = [list(struct.unpack_from(PHDR, data, phoff + i * 56)) for i in range(phnum)]
    shdrs = [list(struct.unpack_from(SHDR, data, shoff + i * 64)) for i in range(shnum)]
    strtab = shdrs[shstrndx]
    names = [data[strtab[4] + s[0] :].split(b"\0", 1)[0] for s in shdrs]

    # What the loader reads, in file order: the ELF header, the program headers, each LOAD.
    ranges = [(0, 64), (phoff, phoff + phnum * 56)]
    ranges += [(p[2], p[2] + p[5]) for p in phdrs if p[0] == PT_LOAD and p[5]]
    chunks: list[list[int]] = []
    for start, end in sorted(ranges):
        if chunks and start <= chunks[-1][1]:
            chunks[-1][1] = max(chunks[-1][1], end)
        else:
            chunks.append([start, end])
    cur = 0
    deltas = []  # (start, end, how far it moves down: a whole number of pages)
    for start, end in chunks:
        new = cur + (start - cur) % PAGE
        deltas.append((start, end, start - new))
        cur = new + end - start

    def inside(off: int, size: int) -> int | None:
        for start, end, delta in deltas:
            if start <= off and off + size <= end:
                return delta
        return None

    def before(off: int) -> int:  # for empty ranges and .bss: the chunk they follow
        return max((d for s, _e, d in deltas if s <= off), default=0)

    out = bytearray(cur)
    for start, end, delta in deltas:
        out[start - delta : end - delta] = data[start:end]
    for p in phdrs:
        moved = inside(p[2], p[5])
        if moved is None and p[5]:
            return None  # a segment outside what the loader maps: leave the file alone
        p[2] -= before(p[2]) if moved is None else moved

    keep = [i for i, s in enumerate(shdrs) if i == 0 or not _dropped(names[i], s[2])]
    index = {old: new for new, old in enumerate(keep)}
    for i in keep[1:]:
        s = shdrs[i]
        size = 0 if s[1] == SHT_NOBITS else s[5]
        moved = inside(s[4], size)
        if moved is not None:
            s[4] -= moved
        elif s[2] & SHF_ALLOC and size:
            return None  # loaded bytes outside every LOAD: not a layout this understands
        elif size:  # a non-loaded section: to the end
            align = max(s[8], 1)
            out += bytes(-len(out) % align)
            out += data[s[4] : s[4] + size]
            s[4] = len(out) - size
        else:
            s[4] -= before(s[4])
        if (s[6] and s[6] not in index) or (s[2] & SHF_INFO_LINK and s[7] not in index):
            return None  # a kept section refers to a dropped one
        s[6] = index.get(s[6], 0)
        if s[2] & SHF_INFO_LINK:
            s[7] = index[s[7]]
    out += bytes(-len(out) % 8)
    new_shoff = len(out)
    for i in keep:
        out += struct.pack(SHDR, *shdrs[i])
    if len(out) >= len(data):
        return None

    loads = [p for p in phdrs if p[0] == PT_LOAD]
    if any(p[7] > 1 and (p[3] - p[2]) % p[7] for p in loads):
        for p in loads:
            p[7] = PAGE
    head[4] -= inside(phoff, phnum * 56) or 0
    head[5], head[11], head[12] = new_shoff, len(keep), index[shstrndx]
    struct.pack_into(EHDR, out, 16, *head)
    for i, p in enumerate(phdrs):
        struct.pack_into(PHDR, out, head[4] + i * 56, *p)
    return bytes(out)
