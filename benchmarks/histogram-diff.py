"""Difference of two `jcmd GC.class_histogram` outputs, per connection: histogram-diff.py BEFORE AFTER N."""
import re
import sys


def load(path):
    classes, total = {}, 0
    for line in open(path):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            classes[m.group(3)] = (int(m.group(1)), int(m.group(2)))
        m = re.match(r"Total\s+(\d+)\s+(\d+)", line)
        if m:
            total = int(m.group(2))
    return classes, total


before, total_before = load(sys.argv[1])
after, total_after = load(sys.argv[2])
n = int(sys.argv[3])
print("heap delta %d bytes, %.1f B per connection" % (total_after - total_before, (total_after - total_before) / n))
rows = []
for name in set(before) | set(after):
    count_before, bytes_before = before.get(name, (0, 0))
    count_after, bytes_after = after.get(name, (0, 0))
    rows.append((bytes_after - bytes_before, count_after - count_before, name))
rows.sort(reverse=True)
print("%10s %10s  %s" % ("B/conn", "inst/conn", "class"))
for delta_bytes, delta_count, name in rows[:40]:
    print("%10.1f %10.2f  %s" % (delta_bytes / n, delta_count / n, name))
