#!/usr/bin/env bash
# peers.sh — gl001's load generator measured against its peers on one sink,
# as ratios, in one run (`make bench-peers`).
#
# Every tool fires the same optimize request (from `gl001 simulate
# --example-request`, the scenario's fleet) at the same open-model RATE for
# DURATION seconds against bin/gl001-sink on 127.0.0.1, one tool at a time:
# vegeta 12.13.0 (installed with `go install` into bin/peers/), gl001 `run`
# (optimize only), k6 (when one is on PATH or given as K6=path; never fetched
# here) and wrk (closed model, so a throughput reference only; when on PATH,
# never installed here: Debian's package is `wrk`). For each it records CPU
# seconds (user+sys) and max RSS with GNU time (or /proc without it), what the
# tool reports (requests, errors, p99), what the sink saw (count, p99,
# connections opened, its own CPU) and what the rest of the machine took
# meanwhile ("other CPU": on a shared machine, read it first). Then it searches the highest open-model rate at which vegeta and
# gl001 drop nothing (short steps, doubling then bisecting, bounded), prints
# one table with the gl001/vegeta ratios and says which goals pass:
#
#   CPU per request  ≤ 1.0 × vegeta's
#   p99 as the tool reports it (latency as the client sees it) ≤ 2 × vegeta's
#   highest rate with nothing dropped ≥ vegeta's
#
# Settings (environment):
#   RATE=3000            requests/s of the side-by-side run
#   DURATION=15          seconds of the side-by-side run
#   REPEAT=1             rounds of the side-by-side run, tools interleaved; the
#                        table shows each figure's median (on a busy machine the
#                        CPU seconds of the same work vary by up to 2× run to run)
#   SEARCH=1             0 skips the highest-rate search
#   SEARCH_STEP=5        seconds of each search step
#   SEARCH_MAX=10000     highest rate tried (gl001's scenario limit: 10000/s)
#   SEARCH_STEPS=8       most steps per tool
#   K6=path  WRK=path    the k6 and wrk binaries (default: on PATH; absent: skipped)
#   WRK_CONNECTIONS=32   wrk's connections (2 threads)
#   PLANTS=15 AGENTS=75  the fleet the request body comes from
#   OUT=dir              where every tool's output is kept (default results/bench-peers-<UTC time>)
#   BENCH_PEERS_STRICT=1 exit 1 when a goal is missed (default: exit 0 whatever the goals)
#
# Needs go, jq (installed with apt-get when missing and root), curl and timeout. All traffic goes to 127.0.0.1. Every wait and loop is bounded; child
# processes are stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

GO=${GO:-go}
RATE=${RATE:-3000}
DURATION=${DURATION:-15}
REPEAT=${REPEAT:-1}
SEARCH=${SEARCH:-1}
SEARCH_STEP=${SEARCH_STEP:-5}
SEARCH_MAX=${SEARCH_MAX:-10000}
SEARCH_STEPS=${SEARCH_STEPS:-8}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
PLANTS=${PLANTS:-15}
AGENTS=${AGENTS:-75}
VEGETA_VERSION=v12.13.0
PEERS_BIN=$ROOT/bin/peers
OUT=${OUT:-results/bench-peers-$(date -u +%Y%m%dT%H%M%SZ)}
GL001_MAX_RATE=10000 # scenarios.MaxRequestsPerMinute / 60

die() { echo "bench-peers: $*" >&2; exit 2; }
note() { echo "bench-peers: $*" >&2; }
whole() { if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < ${3:-1})); then die "$1=$2: want a whole number ≥ ${3:-1}"; fi; }
whole RATE "$RATE"
whole DURATION "$DURATION"
whole REPEAT "$REPEAT"
((REPEAT <= 9)) || die "REPEAT=$REPEAT: at most 9 rounds"
whole SEARCH_STEP "$SEARCH_STEP"
whole SEARCH_MAX "$SEARCH_MAX" 100
whole SEARCH_STEPS "$SEARCH_STEPS"
whole WRK_CONNECTIONS "$WRK_CONNECTIONS"
((RATE <= GL001_MAX_RATE)) || die "RATE=$RATE: gl001 scenarios allow at most $GL001_MAX_RATE requests/s"
((SEARCH_MAX <= GL001_MAX_RATE)) || die "SEARCH_MAX=$SEARCH_MAX: gl001 scenarios allow at most $GL001_MAX_RATE requests/s"
# jq reads the tools' JSON reports; on a Debian machine where this runs as
# root (CI, these sandboxes) it is installed here, elsewhere asked for.
if ! command -v jq >/dev/null; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		note "installing jq (apt-get)"
		{ apt-get update -qq && apt-get install -y -qq jq; } >/dev/null 2>&1 || die "apt-get could not install jq; install it and try again"
	else
		die "jq is needed to read the tools' JSON reports (Debian: apt-get install jq)"
	fi
fi
command -v timeout >/dev/null || die "timeout (coreutils) is needed to bound each tool's run"

# field FILE FILTER prints a jq filter's value from FILE, 0 when the file
# is missing or is not what the tool should have written.
field() { jq -r "$2 // 0" "$1" 2>/dev/null || echo 0; }
# calc EXPR [DECIMALS] prints an awk expression's value.
calc() { awk "BEGIN { v = ($1); printf \"%.${2:-2}f\", v }"; }
# ms_from VALUE UNIT converts wrk's latency (e.g. 1.23ms) to ms.
ms_from() { awk -v s="$1" 'BEGIN { v = s + 0; u = s; sub(/^[0-9.]+/, "", u)
  if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000; printf "%.3f", v }'; }

# --- children and cleanup -------------------------------------------------
SINK_PID=
CHILD_PID=
cleanup() {
	local p
	for p in $CHILD_PID $SINK_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $CHILD_PID $SINK_PID; do
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ---------------------------------------------------------------
mkdir -p "$PEERS_BIN" "$OUT"
OUT=$(cd "$OUT" && pwd)
if ! "$GO" version -m "$PEERS_BIN/vegeta" 2>/dev/null | grep -q "github.com/tsenart/vegeta/v12[[:space:]]*$VEGETA_VERSION"; then
	note "installing vegeta $VEGETA_VERSION into $PEERS_BIN"
	GOBIN=$PEERS_BIN "$GO" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
fi
VEGETA=$PEERS_BIN/vegeta
note "building bin/gl001 and bin/gl001-sink"
"$GO" build -ldflags "-X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o bin/gl001 ./cmd/gl001
"$GO" build -o bin/gl001-sink ./cmd/gl001-sink
K6=${K6:-$(command -v k6 || true)}
WRK=${WRK:-$(command -v wrk || true)}
GNU_TIME=
if /usr/bin/time -f %U true 2>/dev/null; then GNU_TIME=/usr/bin/time; fi

bin/gl001 simulate --example-request --plants "$PLANTS" --agents "$AGENTS" | jq -c . >"$OUT/body.json"

# --- the sink --------------------------------------------------------------
bin/gl001-sink --listen 127.0.0.1:0 >"$OUT/sink.ready" 2>"$OUT/sink.log" &
SINK_PID=$!
for _ in $(seq 100); do
	[[ -s $OUT/sink.ready ]] && break
	kill -0 "$SINK_PID" 2>/dev/null || die "gl001-sink stopped: $(cat "$OUT/sink.log")"
	sleep 0.1
done
SINK=$(jq -r .url "$OUT/sink.ready" 2>/dev/null) || die "gl001-sink printed no ready line within 10 s"
[[ $SINK == http://127.0.0.1:* ]] || die "gl001-sink listens on $SINK, not 127.0.0.1"
ENDPOINT=$SINK/api/v1/optimize
CLK_TCK=$(getconf CLK_TCK)
sink_ticks() { awk '{ print $14 + $15 }' "/proc/$SINK_PID/stat"; }
# busy_ticks: CPU ticks the whole machine spent busy (user, nice, system,
# irq, softirq, steal), to tell what other processes took during a run.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
sink_reset() { curl -fsS -X POST "$SINK/stats/reset" >/dev/null; }
command -v curl >/dev/null || die "curl is needed to read the sink's /stats"

# settle waits (at most 70 s) until fewer than 2000 connections to the sink
# linger in TIME-WAIT: a step that fell behind opens thousands, and their
# ports would be missing from the next step ("bind: address already in use").
SINK_PORT=${SINK##*:}
settle() {
	command -v ss >/dev/null || { sleep 1; return; }
	local n
	for _ in $(seq 70); do
		n=$(ss -Htan state time-wait "( dport = :$SINK_PORT or sport = :$SINK_PORT )" | wc -l)
		((n < 2000)) && return
		sleep 1
	done
	note "still $n connections in TIME-WAIT after 70 s; going on"
}

# --- measuring one tool ------------------------------------------------------
# descendants PID lists PID and every process below it.
descendants() {
	local p c
	for p in "$@"; do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do descendants "$c"; done
	done
}

# measured NAME TIMEOUT_S CMD... runs CMD, bounded by TIMEOUT_S, and leaves
# "user_s sys_s maxrss_kib" in $OUT/NAME.rusage: from GNU time, or without
# it from the shell's `times` (CPU of the waited-for children, exact) and
# polled /proc VmHWM (max RSS, to the last poll). Returns CMD's status.
measured() {
	local name=$1 limit=$2 rc=0
	shift 2
	if [[ -n $GNU_TIME ]]; then
		timeout -k 5 "$limit" "$GNU_TIME" -f '%U %S %M' -o "$OUT/$name.rusage" "$@" &
		CHILD_PID=$!
		wait "$CHILD_PID" || rc=$?
	else
		timeout -k 5 "$limit" bash -c '"$@"; rc=$?; times >"$0"; exit $rc' "$OUT/$name.times" "$@" &
		CHILD_PID=$!
		local hwm=0 p v
		for _ in $(seq $((limit * 5 + 50))); do
			kill -0 "$CHILD_PID" 2>/dev/null || break
			for p in $(descendants "$CHILD_PID"); do
				v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
				((${v:-0} > hwm)) && hwm=$v
			done
			sleep 0.2
		done
		wait "$CHILD_PID" || rc=$?
		# times prints "0m1.230s 0m0.450s" for the children
		awk -v hwm="$hwm" 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2], s[1] * 60 + s[2], hwm }' \
			"$OUT/$name.times" >"$OUT/$name.rusage" 2>/dev/null || echo "0 0 0" >"$OUT/$name.rusage"
	fi
	CHILD_PID=
	return $rc
}

# run_vegeta NAME RATE SECONDS: the attack piped to its JSON report.
run_vegeta() {
	local name=$1 rate=$2 secs=$3
	echo "POST $ENDPOINT" >"$OUT/vegeta.target"
	measured "$name" $((secs + 120)) sh -c '"$1" attack -rate="$2/s" -duration="$3s" -body="$4" -targets="$5" \
		-header "Content-Type: application/json" | "$1" report -type=json >"$6"' \
		sh "$VEGETA" "$rate" "$secs" "$OUT/body.json" "$OUT/vegeta.target" "$OUT/$name.json"
}

# run_gl001 NAME RATE SECONDS: gl001 run with an optimize-only scenario.
run_gl001() {
	local name=$1 rate=$2 secs=$3
	local minutes
	minutes=$(awk -v s="$secs" 'BEGIN { printf "%.10g", s / 60 }')
	cat >"$OUT/$name.scenario.json" <<-EOF
		{"test_name": "bench_peers", "duration_minutes": $minutes, "plants": $PLANTS, "sub_agents": $AGENTS,
		 "heat_optimization_requests_per_minute": $((rate * 60)), "agent_coordination_events_per_second": 0,
		 "ramp_up_minutes": 0,
		 "thresholds": {"gl001_optimize_duration": [], "gl001_coordination_failed": [], "gl001_heat_optimization_duration": []}}
	EOF
	rm -rf "${OUT:?}/$name"
	local rc=0
	measured "$name" $((secs + 120)) bin/gl001 run "$OUT/$name.scenario.json" --target "$SINK" --out "$OUT/$name" \
		>"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
	# 0: ok; 99: a threshold failed (there are none); anything else did not run.
	((rc == 0 || rc == 99)) || { note "gl001 run exited $rc (see $OUT/$name.err)"; return 1; }
}

# run_k6 NAME RATE SECONDS: constant-arrival-rate, VUs sized as gl001's plan.
run_k6() {
	local name=$1 rate=$2 secs=$3
	cat >"$OUT/$name.js" <<-EOF
		import http from 'k6/http';
		const body = open('$OUT/body.json');
		export const options = {
		  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
		  scenarios: { optimize: { executor: 'constant-arrival-rate', rate: $rate, timeUnit: '1s', duration: '${secs}s',
		    preAllocatedVUs: $((rate * 2 > 5 ? rate * 2 : 5)), maxVUs: $((rate * 15 > 50 ? rate * 15 : 50)) } },
		};
		export default function () { http.post('$ENDPOINT', body, { headers: { 'Content-Type': 'application/json' } }); }
	EOF
	measured "$name" $((secs + 180)) "$K6" run --quiet --no-usage-report --summary-export "$OUT/$name.json" "$OUT/$name.js" \
		>"$OUT/$name.out" 2>"$OUT/$name.err"
}

run_wrk() {
	local name=$1 secs=$2
	cat >"$OUT/$name.lua" <<-EOF
		local f = assert(io.open("$OUT/body.json", "rb"))
		wrk.method = "POST"
		wrk.body = f:read("*a")
		f:close()
		wrk.headers["Content-Type"] = "application/json"
	EOF
	measured "$name" $((secs + 60)) "$WRK" -t2 -c"$WRK_CONNECTIONS" -d"${secs}s" --latency -s "$OUT/$name.lua" "$ENDPOINT" \
		>"$OUT/$name.out" 2>"$OUT/$name.err"
}

# Each tool's figures land in these, keyed by tool.
# Each tool's figures land in these: keyed TOOL#ROUND by side, then TOOL
# (the median over the rounds) by summarise.
declare -A LABEL REQS ERRS CPU PER RSS P99 SP99 SCOUNT SCONN SCPU OTHER NOTE SPREAD

# side TOOL ROUND: one side-by-side run of one tool, and its figures.
side() {
	local tool=$1 round=$2 name=side-$1-$2 k=$1#$2 t0 t1 b0 b1 st u s m
	sink_reset
	t0=$(sink_ticks)
	b0=$(busy_ticks)
	if [[ $tool == wrk ]]; then
		note "$tool: closed model, $WRK_CONNECTIONS connections for ${DURATION}s"
	else
		note "$tool: $RATE/s for ${DURATION}s (round $round of $REPEAT)"
	fi
	case $tool in
	vegeta) run_vegeta "$name" "$RATE" "$DURATION" ;;
	gl001) run_gl001 "$name" "$RATE" "$DURATION" ;;
	k6) run_k6 "$name" "$RATE" "$DURATION" ;;
	wrk) run_wrk "$name" "$DURATION" ;;
	esac || note "$tool exited non-zero; figures below are what it left"
	t1=$(sink_ticks)
	b1=$(busy_ticks)
	st=$(curl -fsS "$SINK/stats")
	SCOUNT[$k]=$(jq -r .count <<<"$st")
	SCONN[$k]=$(jq -r .connections <<<"$st")
	SP99[$k]=$(jq -r '.p99_ms | . * 1000 | round / 1000' <<<"$st")
	SCPU[$k]=$(calc "($t1 - $t0) / $CLK_TCK")
	read -r u s m <"$OUT/$name.rusage" || { u=0 s=0 m=0; }
	CPU[$k]=$(calc "$u + $s")
	RSS[$k]=$(calc "$m / 1024" 1)
	m=$(calc "($b1 - $b0 - $t1 + $t0) / $CLK_TCK - ${CPU[$k]}")
	OTHER[$k]=$(calc "$m > 0 ? $m : 0")
	case $tool in
	vegeta)
		local j=$OUT/$name.json
		REQS[$k]=$(field "$j" .requests)
		ERRS[$k]=$(field "$j" '(.requests * (1 - .success)) | round')
		P99[$k]=$(field "$j" '.latencies["99th"] / 1e6 | . * 1000 | round / 1000')
		NOTE[$k]="sent at $(field "$j" '.rate | round')/s, throughput $(field "$j" '.throughput | round')/s"
		;;
	gl001)
		local j=$OUT/$name/summary.json
		REQS[$k]=$(field "$j" .gl001.scenarios.optimize.started)
		ERRS[$k]=$(field "$j" .gl001.scenarios.optimize.failed)
		P99[$k]=$(field "$j" '.metrics.gl001_optimize_duration.values["p(99)"] | . * 1000 | round / 1000')
		NOTE[$k]="request alone (gl001_optimize_request_duration) p99 $(field "$j" '.metrics.gl001_optimize_request_duration.values["p(99)"] | . * 1000 | round / 1000') ms; dropped $(field "$j" .gl001.scenarios.optimize.dropped), started/expected $(field "$j" '.gl001.scenarios.optimize | "\(.started)/\(.expected_iterations)"')"
		;;
	k6)
		local j=$OUT/$name.json
		REQS[$k]=$(field "$j" '.metrics.http_reqs.count')
		ERRS[$k]=$(field "$j" '.metrics.http_req_failed.passes')
		P99[$k]=$(field "$j" '.metrics.http_req_duration["p(99)"] | . * 1000 | round / 1000')
		NOTE[$k]="dropped_iterations $(field "$j" '.metrics.dropped_iterations.count')"
		;;
	wrk)
		local o=$OUT/$name.out
		touch "$o"
		REQS[$k]=$(awk '/requests in/ { n = $1 } END { print n + 0 }' "$o")
		ERRS[$k]=$(awk '/Non-2xx|Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { gsub(",", "", $i); n += $i } } END { print n + 0 }' "$o")
		P99[$k]=$(ms_from "$(awk '$1 == "99%" { print $2; exit }' "$o")")
		NOTE[$k]="closed model, $WRK_CONNECTIONS connections: $(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$o") requests/s is what the sink serves flat out, a throughput reference"
		;;
	esac
	PER[$k]=$(calc "${REQS[$k]:-0} > 0 ? ${CPU[$k]} * 1e6 / ${REQS[$k]} : 0" 1)
}

# median N... prints the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# summarise TOOL: each figure's median over the rounds (errors: the sum),
# and the spread of CPU per request and p99 when there was more than one.
summarise() {
	local tool=$1 arr r
	local -a v
	for arr in REQS CPU PER RSS P99 SP99 SCOUNT SCONN SCPU OTHER; do
		declare -n fig=$arr
		v=()
		for ((r = 1; r <= REPEAT; r++)); do v+=("${fig[$tool#$r]:-0}"); done
		fig[$tool]=$(median "${v[@]}")
		unset -n fig
	done
	ERRS[$tool]=0
	for ((r = 1; r <= REPEAT; r++)); do ERRS[$tool]=$((ERRS[$tool] + ${ERRS[$tool#$r]:-0})); done
	NOTE[$tool]=${NOTE[$tool#$REPEAT]:-}
	if ((REPEAT > 1)); then
		local per=() p99=()
		for ((r = 1; r <= REPEAT; r++)); do per+=("${PER[$tool#$r]}") p99+=("${P99[$tool#$r]}"); done
		SPREAD[$tool]="CPU µs/req ${per[*]}; p99 ms ${p99[*]}"
	fi
}

# kept TOOL NAME RATE SECONDS: did the step keep its rate with nothing
# dropped and nothing failed? Prints why not on stdout.
kept() {
	local tool=$1 name=$2 rate=$3 secs=$4
	case $tool in
	vegeta)
		jq -r --argjson r "$rate" --argjson d "$secs" '
			if .success < 1 then "\(.requests - (.requests * .success | round)) errors"
			elif .requests < 0.99 * $r * $d then "sent \(.requests) of \($r * $d)"
			elif .rate < 0.99 * $r then "sent at \(.rate | floor)/s"
			else "ok" end' "$OUT/$name.json" 2>/dev/null || echo "no report"
		;;
	gl001)
		jq -r '.gl001.scenarios.optimize as $o |
			if .gl001.complete | not then "not complete"
			elif $o.dropped > 0 then "\($o.dropped) dropped"
			elif $o.failed > 0 then "\($o.failed) failed"
			elif $o.started < 0.99 * $o.expected_iterations then "started \($o.started) of \($o.expected_iterations)"
			else "ok" end' "$OUT/$name/summary.json" 2>/dev/null || echo "no summary"
		;;
	esac
}

# search TOOL: the highest rate, in SEARCH_STEP-second steps, that TOOL
# keeps: doubling from RATE until a step fails or SEARCH_MAX, then
# bisecting to 5 % (at least 50/s), at most SEARCH_STEPS steps.
declare -A MAXRATE MAXNOTE
search() {
	local tool=$1 lo=0 hi=0 rate=$((RATE < SEARCH_MAX ? RATE : SEARCH_MAX)) verdict name b0 t0 u s m
	local -a log=()
	for _ in $(seq "$SEARCH_STEPS"); do
		name=search-$tool-$rate
		settle
		sink_reset
		b0=$(busy_ticks) t0=$(sink_ticks)
		case $tool in
		vegeta) run_vegeta "$name" "$rate" "$SEARCH_STEP" || true ;;
		gl001) run_gl001 "$name" "$rate" "$SEARCH_STEP" || true ;;
		esac
		read -r u s m <"$OUT/$name.rusage" || { u=0 s=0; }
		m=$(calc "($(busy_ticks) - $b0 - $(sink_ticks) + $t0) / $CLK_TCK - $u - $s" 1)
		m=$(calc "$m > 0 ? $m : 0" 1)
		verdict=$(kept "$tool" "$name" "$rate" "$SEARCH_STEP")
		if [[ $tool == gl001 && -f $OUT/$name/summary.json ]]; then
			verdict+=$(jq -r '.gl001.scenarios.optimize | " (started/expected \(.started)/\(.expected_iterations), dropped_iterations \(.dropped))"' "$OUT/$name/summary.json")
		fi
		verdict+=" [other CPU $m s]"
		note "$tool search: $rate/s: $verdict"
		log+=("$rate/s: $verdict")
		if [[ $verdict == ok* ]]; then lo=$rate; else hi=$rate; fi
		if ((hi == 0)); then
			((lo >= SEARCH_MAX)) && break
			rate=$((2 * lo < SEARCH_MAX ? 2 * lo : SEARCH_MAX))
		else
			local res=$((lo / 20 > 50 ? lo / 20 : 50))
			((hi - lo <= res)) && break
			rate=$(((lo + hi) / 2 / 50 * 50))
			((rate <= lo)) && rate=$((lo + 50))
			((rate >= hi)) && break
		fi
	done
	MAXRATE[$tool]=$lo
	MAXNOTE[$tool]=$(printf '%s; ' "${log[@]}")
	if ((hi == 0 && lo >= SEARCH_MAX)); then
		MAXNOTE[$tool]+="at least $lo/s: the search's cap, SEARCH_MAX=$SEARCH_MAX"
	elif ((hi == 0)); then
		MAXNOTE[$tool]+="at least $lo/s: SEARCH_STEPS=$SEARCH_STEPS ran out before a step failed"
	fi
}

# --- the runs --------------------------------------------------------------
LABEL[vegeta]="vegeta ${VEGETA_VERSION#v}"
LABEL[gl001]="gl001 $(bin/gl001 version | awk '{ print $2 }')"
TOOLS=(vegeta gl001)
declare -A SKIP
if [[ -z $K6 ]]; then
	SKIP[k6]="no k6 on PATH (K6=/path/to/k6 includes one; this script never fetches it)"
elif [[ ! -x $K6 ]]; then
	SKIP[k6]="K6=$K6 is not an executable file"
	K6=
else
	LABEL[k6]="k6 $({ "$K6" version 2>/dev/null || true; } | awk '{ print $2; exit }')"
	TOOLS+=(k6)
fi
if [[ -z $WRK ]]; then
	SKIP[wrk]="no wrk on PATH (Debian package wrk; closed model, a throughput reference only)"
elif [[ ! -x $WRK ]]; then
	SKIP[wrk]="WRK=$WRK is not an executable file"
	WRK=
else
	LABEL[wrk]="wrk $({ "$WRK" -v 2>&1 || true; } | awk '{ v = $2; sub(/^debian\//, "", v); print v; exit }')"
	TOOLS+=(wrk)
fi
note "sink $SINK; body $(wc -c <"$OUT/body.json") bytes ($PLANTS plants); outputs in $OUT"
for ((round = 1; round <= REPEAT; round++)); do
	for t in "${TOOLS[@]}"; do
		settle
		side "$t" "$round"
	done
done
for t in "${TOOLS[@]}"; do summarise "$t"; done
if [[ $SEARCH == 1 ]]; then
	search vegeta
	search gl001
fi

# --- the table ---------------------------------------------------------------
MISSED=0
# goal NAME RATIO OP LIMIT prints one goal's line and notes a miss.
goal() {
	local ok
	ok=$(awk -v r="$2" -v l="$4" -v op="$3" 'BEGIN { print ((op == "<=" ? r <= l : r >= l) ? "pass" : "FAIL") }')
	if [[ $ok != pass ]]; then MISSED=1; fi
	printf '  %-52s %7s×   goal %s %s×: %s\n' "$1" "$2" "$3" "$4" "$ok"
}
table() {
	local t
	echo
	local rounds=""
	((REPEAT > 1)) && rounds=", median of $REPEAT rounds"
	echo "bench-peers: one sink ($SINK), ${DURATION}s at $RATE requests/s, open model$rounds; $(nproc) cores; body $(wc -c <"$OUT/body.json") bytes"
	printf '%-22s %9s %7s %8s %8s %8s %10s %9s %10s %7s %9s %9s\n' tool requests errors "CPU s" "µs/req" "RSS MiB" "p99 ms" "sink n" "sink p99" conns "sink CPU" "other CPU"
	for t in "${TOOLS[@]}"; do
		printf '%-22s %9.0f %7s %8.2f %8.0f %8.1f %10.3f %9.0f %10.3f %7.0f %9.2f %9.2f\n' "${LABEL[$t]}" "${REQS[$t]}" "${ERRS[$t]}" "${CPU[$t]}" \
			"${PER[$t]}" "${RSS[$t]}" "${P99[$t]}" "${SCOUNT[$t]}" "${SP99[$t]}" "${SCONN[$t]}" "${SCPU[$t]}" "${OTHER[$t]}"
	done
	for t in k6 wrk; do
		if [[ -n ${SKIP[$t]:-} ]]; then printf '%-22s skipped: %s\n' "$t" "${SKIP[$t]}"; fi
	done
	for t in "${TOOLS[@]}"; do
		if [[ -n ${NOTE[$t]:-} ]]; then printf '  %s: %s\n' "${LABEL[$t]}" "${NOTE[$t]}"; fi
		if [[ -n ${SPREAD[$t]:-} ]]; then printf '  %s rounds: %s\n' "${LABEL[$t]}" "${SPREAD[$t]}"; fi
	done
	echo "  p99 ms: each tool's own (latency as its client sees it; gl001's from the scheduled start); sink n, p99, conns (connections opened), CPU s: the sink's own view"
	echo "  other CPU: CPU seconds the rest of the machine took during the run (the kernel's share of loopback traffic, and any other process)"
	local busy=0
	for t in vegeta gl001 k6; do # wrk flat out keeps the kernel's loopback busy: not a competitor
		[[ -n ${OTHER[$t]:-} ]] || continue
		if awk -v o="${OTHER[$t]}" -v lim="$(calc "0.15 * $DURATION * $(nproc)")" 'BEGIN { exit !(o > lim) }'; then busy=1; fi
	done
	if ((busy)); then echo "  WARNING: other CPU above 15 % of the machine during a run: another process competed, the figures are noisy (REPEAT=3 helps)"; fi
	if [[ -z $GNU_TIME ]]; then echo "  no GNU time: CPU from the shell's times, max RSS from /proc polled every 0.2 s"; fi

	echo
	if ((${REQS[vegeta]:-0} > 0 && ${REQS[gl001]:-0} > 0)); then
		echo "gl001 / vegeta:"
		goal "CPU per request (${PER[gl001]} / ${PER[vegeta]} µs)" \
			"$(calc "${PER[vegeta]} > 0 ? ${PER[gl001]} / ${PER[vegeta]} : 0")" "<=" 1.0
		goal "p99 as the tool reports it (${P99[gl001]} / ${P99[vegeta]} ms)" \
			"$(calc "${P99[vegeta]} > 0 ? ${P99[gl001]} / ${P99[vegeta]} : 0")" "<=" 2.0
	else
		echo "gl001 / vegeta: no ratio, a tool sent nothing (see $OUT)"
		MISSED=1
	fi
	if [[ $SEARCH == 1 ]]; then
		goal "highest open-model rate, nothing dropped (${MAXRATE[gl001]} / ${MAXRATE[vegeta]} /s)" \
			"$(calc "${MAXRATE[vegeta]} > 0 ? ${MAXRATE[gl001]} / ${MAXRATE[vegeta]} : 0")" ">=" 1.0
		echo "  search, ${SEARCH_STEP}s steps:"
		echo "    vegeta: ${MAXNOTE[vegeta]}"
		echo "    gl001:  ${MAXNOTE[gl001]}"
	else
		echo "  highest rate: not searched (SEARCH=0)"
	fi
	echo "outputs: $OUT"
}
table >"$OUT/table.txt"
cat "$OUT/table.txt"

if [[ ${BENCH_PEERS_STRICT:-0} == 1 && $MISSED == 1 ]]; then
	exit 1
fi
exit 0
