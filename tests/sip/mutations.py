"""Mutations of real SIP messages for the fuzz tests: flips, cuts, splices, shuffled lines."""

from __future__ import annotations

import random

SPECIAL = [
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b":",
    b";",
    b",",
    b"<",
    b">",
    b'"',
    b"\\",
    b"@",
    b"[",
    b"]",
    b"=",
    b"/",
    b"?",
    b"0",
    b"99999999999",
    b"-1",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"SIP/2.0",
    b"\r\n\r\n",
    b"tag=",
    b"branch=",
    b"sip:",
    b"tel:",
    b"Content-Length: ",
    b"l: 99\r\n",
    b"9" * 5000,
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        operation = rng.randrange(7)
        position = rng.randint(0, len(buffer))
        if operation == 0 and buffer:  # flip a byte
            index = rng.randrange(len(buffer))
            buffer[index] = rng.randrange(256)
        elif operation == 1:  # delete a range
            del buffer[position : position + rng.randint(1, 40)]
        elif operation == 2:  # insert a special sequence
            buffer[position:position] = rng.choice(SPECIAL)
        elif operation == 3:  # duplicate a range
            end = min(len(buffer), position + rng.randint(1, 60))
            buffer[position:position] = buffer[position:end]
        elif operation == 4:  # truncate
            del buffer[position:]
        elif operation == 5:  # shuffle the lines
            lines = bytes(buffer).split(b"\r\n")
            rng.shuffle(lines)
            buffer = bytearray(b"\r\n".join(lines))
        else:  # replace a header value by random printable text
            lines = bytes(buffer).split(b"\r\n")
            index = rng.randrange(len(lines))
            name = lines[index].split(b":", 1)[0]
            noise = bytes(rng.randrange(32, 127) for _ in range(rng.randint(0, 30)))
            lines[index] = name + b": " + noise
            buffer = bytearray(b"\r\n".join(lines))
    return bytes(buffer)
