# Helpers for bench/*.sh.  hyperfine_ratio NAME_A NAME_B JSON: print the
# medians of two commands from a hyperfine --export-json file and A/B.
median_of() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["command"]==sys.argv[2]:
        print("%.3f" % (r["median"]*1000)); break' "$1" "$2"
}
report_ratio() {
	# report_ratio JSON SLOW_NAME FAST_NAME TARGET_RATIO
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {r["command"]: r["median"] * 1000 for r in d["results"]}
slow, fast, target = sys.argv[2], sys.argv[3], float(sys.argv[4])
ratio = m[slow] / m[fast]
print("median %-28s %9.3f ms" % (slow, m[slow]))
print("median %-28s %9.3f ms" % (fast, m[fast]))
print("ratio %.1fx (target >= %gx): %s" % (ratio, target, "met" if ratio >= target else "NOT MET"))
# The spread: the slow tool's quartiles over the fast tool's, each run
# against the other's (the worst pairing first).
def quart(name):
    t = sorted(x * 1000 for r in d["results"] if r["command"] == name
               for x in r["times"])
    return t[len(t) // 4], t[(3 * len(t)) // 4]
(s1, s3), (f1, f3) = quart(slow), quart(fast)
print("spread: %.1fx (slow 25th / fast 75th percentile) to %.1fx (75th / 25th)"
      % (s1 / f3, s3 / f1))
PY
}
