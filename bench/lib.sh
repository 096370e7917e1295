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
PY
}
