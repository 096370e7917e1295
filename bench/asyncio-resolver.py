"""A Python asyncio resolver for bench/resolve.sh: A and AAAA for every
name in a file over UDP (asyncio datagram endpoint), at most 100 queries in
flight, one retry after 2 s; prints how many names got an address."""
import asyncio
import random
import struct
import sys


def query(qid, name, qtype):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


class Proto(asyncio.DatagramProtocol):
    def __init__(self):
        self.waiting = {}

    def datagram_received(self, data, addr):
        qid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
        fut = self.waiting.pop(qid, None)
        if fut is not None and not fut.done():
            fut.set_result(flags & 0xF == 0 and ancount > 0)


async def main(server, path):
    names = [l.strip() for l in open(path) if l.strip()]
    loop = asyncio.get_running_loop()
    tr, proto = await loop.create_datagram_endpoint(
        Proto, remote_addr=(server, 53))
    sem = asyncio.Semaphore(100)
    ids = random.sample(range(65536), 2 * len(names))

    async def ask(i, name, qtype):
        async with sem:
            for _ in range(2):
                fut = loop.create_future()
                proto.waiting[ids[i]] = fut
                tr.sendto(query(ids[i], name, qtype))
                try:
                    return await asyncio.wait_for(fut, 2)
                except asyncio.TimeoutError:
                    proto.waiting.pop(ids[i], None)
            return False

    res = await asyncio.gather(*(ask(2 * i + k, n, (1, 28)[k])
                                 for i, n in enumerate(names)
                                 for k in (0, 1)))
    print(sum(1 for i in range(len(names)) if res[2 * i] or res[2 * i + 1]))
    tr.close()


asyncio.run(main(sys.argv[1], sys.argv[2]))
