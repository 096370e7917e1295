# The Python peer for bench/hosts.sh: read, replace or append the block,
# write a temporary file, fsync, rename, fsync the directory.
import os
import sys

path, host, ip = sys.argv[1:4]
begin = "# BEGIN eksl host=%s\n" % host
end = "# END eksl host=%s\n" % host
with open(path) as f:
    text = f.read()
b = text.find(begin)
if b != -1:
    e = text.find(end, b)
    if e != -1:
        text = text[:b] + text[e + len(end):]
text += "%s%s\t%s\n%s" % (begin, ip, host, end)
tmp = path + ".py-tmp"
with open(tmp, "w") as f:
    f.write(text)
    f.flush()
    os.fsync(f.fileno())
os.rename(tmp, path)
fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
os.fsync(fd)
os.close(fd)
