#!/usr/bin/env bash
# deploy/k8s/test-kube.sh — `make test-kube`: deploy/k8s's manifests and RBAC
# against a real kube-apiserver on loopback. Opt-in; `make test` never runs it.
#
#   1. every overlay passes `kubectl apply --dry-run=server`; the launcher
#      overlay (base RBAC, Role gl001-launcher, its Job) is applied for real
#   2. a token of ServiceAccount gl001 may do what the code does and nothing
#      more: `kubectl auth can-i` yes/no, and a SelfSubjectRulesReview (what
#      `can-i --list` prints) compared with the Roles, with the base's RBAC
#      alone and then with the launcher's
#   3. --kube's sampler and `gl001 observe --kube` read the guide's HPA
#      through the server with that token
#   4. kube_shards_step: `gl001 run --kube-shards 3` makes its Indexed Job and
#      deletes it on SIGINT
#
# It needs etcd (Debian's etcd-server: apt-get install -y etcd-server, done
# here when run as root) and builds kube-apiserver $KUBE_VERSION from
# k8s.io/kubernetes once, in a scratch module under $GL001_KUBE_CACHE
# (default ~/.cache/gl001-kube), 4.5 minutes on 2 cores (8 with the module
# downloads); later runs reuse the binary. There is no kubelet, controller-manager or scheduler:
# objects are stored and authorized, pods never run. Everything listens on
# 127.0.0.1 only and is stopped and removed at exit (GL001_TEST_KUBE_KEEP=1
# keeps the temp dir).
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
KUBE_CACHE=${GL001_KUBE_CACHE:-$HOME/.cache/gl001-kube}
APISERVER=$KUBE_CACHE/kube-apiserver-$KUBE_VERSION
GO=${GO:-go}
KUBECTL=${KUBECTL:-kubectl}
NS=greenlang
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

START=$SECONDS
PASSED=0
FAILED=()

log() { printf 'test-kube: %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
step() { printf '\n== %s\n' "$*" >&2; }
ok() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$*" >&2; }
bad() { FAILED+=("$*"); printf '  FAIL  %s\n' "$*" >&2; }

# check DESCRIPTION CMD...: runs CMD, records ok or FAIL (with its output)
# and goes on, so one run reports every failure.
check() {
  local what=$1 out; shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | sed 's/^/        /' >&2; fi
}

# ---------------------------------------------------------------- tools

# build_apiserver builds cmd/kube-apiserver of k8s.io/kubernetes in a scratch
# module (not this repo's go.mod) unless the binary is cached.
build_apiserver() {
  if [[ -x $APISERVER ]]; then log "kube-apiserver $KUBE_VERSION: cached $APISERVER"; return; fi
  local staging=v0.${KUBE_VERSION#v1.} src=$KUBE_CACHE/src-$KUBE_VERSION dir t0=$SECONDS
  log "building kube-apiserver $KUBE_VERSION from k8s.io/kubernetes, once (4-8 min on 2 cores), in $src"
  dir=$("$GO" mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -f $dir/go.mod ]] || die "go mod download k8s.io/kubernetes@$KUBE_VERSION gave no module directory"
  rm -rf "$src"; mkdir -p "$src"
  (
    cd "$src"
    "$GO" mod init gl001-kube-apiserver >/dev/null 2>&1
    "$GO" mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    # k8s.io/kubernetes replaces each staging module by ./staging/src/k8s.io/NAME;
    # outside its repository they are the published k8s.io/NAME v0.MINOR.PATCH.
    local n=0 m
    for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/.*|\1|p' "$dir/go.mod"); do
      "$GO" mod edit -replace="$m=$m@$staging"; n=$((n + 1))
    done
    [[ $n -gt 0 ]] || die "no staging replace directives in $dir/go.mod"
    log "$n staging modules replaced by their $staging releases"
    "$GO" get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >go-get.log 2>&1 ||
      { cat go-get.log >&2; die "go get k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION failed"; }
    CGO_ENABLED=0 "$GO" build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${staging#v0.}" \
      -o "$APISERVER.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  )
  mv "$APISERVER.tmp" "$APISERVER"
  log "built $APISERVER in $((SECONDS - t0)) s"
}

need_etcd() {
  command -v etcd >/dev/null 2>&1 && return
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "etcd not on PATH: apt-get install -y etcd-server"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  fi
  command -v etcd >/dev/null 2>&1 || die "etcd not found: apt-get install -y etcd-server (Debian), or put an etcd 3.4+ on PATH"
}

command -v "$KUBECTL" >/dev/null 2>&1 || die "kubectl not found"
command -v openssl >/dev/null 2>&1 || die "openssl not found (it makes the service-account key)"
need_etcd
build_apiserver

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gl001-test-kube.XXXXXX")
PIDS=()  # started here, stopped at exit in reverse order

cleanup() {
  local rc=$? i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $rc != 0 ]]; then
    for f in etcd.log apiserver.log gl001-run.log; do
      [[ -s $TMP/$f ]] && { log "last lines of $f:"; tail -n 15 "$TMP/$f" >&2; }
    done
  fi
  if [[ ${GL001_TEST_KUBE_KEEP:-} == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Go side, compiled before the servers start so their wait loops do not
# race a cold build.
log "building gl001 and deploy/k8s's tests"
"$GO" build -o "$TMP/gl001" ./cmd/gl001
"$GO" test -c -o "$TMP/k8s.test" ./deploy/k8s
# GL001_TEST_KUBE_GL001: another gl001 (e.g. a stand-in for a flag not yet built).
GL001=${GL001_TEST_KUBE_GL001:-$TMP/gl001}

# free_port prints a loopback TCP port no socket uses (and not in $*), below
# the kernel's ephemeral range: a port picked inside it can become the local
# end of some connection (etcd's own, to its client port) before the server
# that was to listen on it binds it.
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
((EPHEMERAL_LOW > 12000)) || EPHEMERAL_LOW=61000
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    [[ " $* " == *" $p "* ]] && continue
    if command -v ss >/dev/null 2>&1; then
      [[ -n $(ss -Htan "( sport = :$p )") ]] && continue
    else
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    fi
    echo "$p"; return
  done
  die "no free port on 127.0.0.1"
}

# wait_for SECONDS PID WHAT CMD...: polls CMD until it succeeds, failing when
# PID (the server) exits or SECONDS pass.
wait_for() {
  local secs=$1 pid=$2 what=$3; shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what exited while starting"
    ((SECONDS < deadline)) || die "$what not ready within ${secs}s"
    sleep 0.5
  done
}

# ---------------------------------------------------------------- servers

step "etcd and kube-apiserver $KUBE_VERSION on 127.0.0.1"
ETCD_PORT=$(free_port)
PEER_PORT=$(free_port "$ETCD_PORT")
API_PORT=$(free_port "$ETCD_PORT" "$PEER_PORT")

etcd --name gl001-test --data-dir "$TMP/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "gl001-test=http://127.0.0.1:$PEER_PORT" >"$TMP/etcd.log" 2>&1 &
PIDS+=($!)
wait_for 30 "${PIDS[-1]}" etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
log "etcd $(etcd --version | sed -n 's/^etcd Version: //p') on 127.0.0.1:$ETCD_PORT"

openssl genrsa -out "$TMP/sa.key" 2048 2>/dev/null
openssl rsa -in "$TMP/sa.key" -pubout -out "$TMP/sa.pub" 2>/dev/null
ADMIN_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "$ADMIN_TOKEN,gl001-test-admin,gl001-test-admin,system:masters" >"$TMP/tokens.csv"

"$APISERVER" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --authorization-mode=RBAC --anonymous-auth=false \
  --token-auth-file="$TMP/tokens.csv" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$TMP/sa.pub" --service-account-signing-key-file="$TMP/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --cert-dir="$TMP/certs" >"$TMP/apiserver.log" 2>&1 &
PIDS+=($!)
APISERVER_PID=${PIDS[-1]}

# kubeconfig FILE TOKEN: a kubeconfig for the server with that bearer token
# (the server's certificate is self-signed, on loopback).
kubeconfig() {
  "$KUBECTL" config --kubeconfig "$1" set-cluster test --server "https://127.0.0.1:$API_PORT" --insecure-skip-tls-verify=true >/dev/null
  "$KUBECTL" config --kubeconfig "$1" set-credentials user --token "$2" >/dev/null
  "$KUBECTL" config --kubeconfig "$1" set-context test --cluster test --user user --namespace "$NS" >/dev/null
  "$KUBECTL" config --kubeconfig "$1" use-context test >/dev/null
}
ADMIN_KC=$TMP/admin.kubeconfig
kubeconfig "$ADMIN_KC" "$ADMIN_TOKEN"
admin() { "$KUBECTL" --kubeconfig "$ADMIN_KC" "$@"; }

# Ready includes the bootstrap RBAC (poststarthook/rbac/bootstrap-roles).
wait_for 120 "$APISERVER_PID" kube-apiserver admin get --raw /readyz
log "kube-apiserver $(admin get --raw /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p') on https://127.0.0.1:$API_PORT (ready after $((SECONDS - START)) s)"

# ---------------------------------------------------------------- 1. manifests

step "1. the overlays against the server (apply --dry-run=server)"
check "namespace $NS created" admin create namespace "$NS"
for dir in deploy/k8s/overlays/*/; do
  dir=${dir%/}
  check "kubectl apply --dry-run=server -k $dir" admin apply --dry-run=server -k "$dir"
done

# ---------------------------------------------------------------- 2. RBAC

SA_KC=$TMP/gl001.kubeconfig
sa() { "$KUBECTL" --kubeconfig "$SA_KC" "$@"; }

# can VERB RESOURCE [NAMESPACE]: the ServiceAccount may; cannot: may not.
# A subresource is written RESOURCE/SUB (pods/log) and asked with
# --subresource: `can-i get pods/log` would ask about the pod named "log".
canI() {
  local res=$2 sub=()
  if [[ $res == */* ]]; then sub=(--subresource "${res#*/}"); res=${res%%/*}; fi
  sa auth can-i "$1" "$res" "${sub[@]}" -n "${3:-$NS}" 2>/dev/null
}
can() {
  local ans
  ans=$(canI "$@") || true
  [[ $ans == yes ]] && ok "gl001 may    $1 $2 in ${3:-$NS}" || bad "gl001 may    $1 $2 in ${3:-$NS} (can-i: ${ans:-error})"
}
cannot() {
  local ans rc=0
  ans=$(canI "$@") || rc=$?
  [[ $ans == no && $rc == 1 ]] && ok "gl001 may not $1 $2 in ${3:-$NS}" || bad "gl001 may not $1 $2 in ${3:-$NS} (can-i: ${ans:-error})"
}
# may VERB GROUP RESOURCE, may_not ...: the same through a
# SelfSubjectAccessReview, for metrics.k8s.io: with no metrics-server the
# group is not served, and `kubectl auth can-i get pods.metrics.k8s.io`
# then asks about a resource "pods.metrics.k8s.io" in the core group.
review() {
  sa create --validate=false -o jsonpath='{.status.allowed}' -f - <<EOF
apiVersion: authorization.k8s.io/v1
kind: SelfSubjectAccessReview
spec:
  resourceAttributes: {namespace: $NS, verb: $1, group: $2, resource: $3}
EOF
}
may() {
  local ans; ans=$(review "$@" 2>&1) || true
  [[ $ans == true ]] && ok "gl001 may    $1 $3.$2 in $NS (access review)" || bad "gl001 may    $1 $3.$2 in $NS (access review: $ans)"
}
may_not() {
  local ans; ans=$(review "$@" 2>&1) || true
  [[ $ans == false ]] && ok "gl001 may not $1 $3.$2 in $NS (access review)" || bad "gl001 may not $1 $3.$2 in $NS (access review: $ans)"
}

# What the code uses: --kube's sampler (pods, metrics.k8s.io pods, HPAs),
# the merge reading the shards' logs (pods/log), --kube-shards (Jobs).
# Exactly the calls the code makes: the samplers list pods and their
# metrics and get the HPA; the launcher watches and gets pods and follows
# their logs.
reads() {
  local v
  for v in get list watch; do can "$v" pods; done
  can get pods/log
  may list metrics.k8s.io pods
  can get horizontalpodautoscalers.autoscaling
}
# Beyond it: nothing.
nothing_more() {
  cannot list pods/log
  may_not get metrics.k8s.io pods
  cannot list horizontalpodautoscalers.autoscaling
  cannot watch horizontalpodautoscalers.autoscaling
  cannot get jobs.batch
  cannot list jobs.batch
  cannot create pods
  cannot delete pods
  cannot update pods
  cannot create pods/exec
  cannot get pods/exec
  cannot get pods/status
  cannot get secrets
  cannot list configmaps kube-system
  cannot get pods kube-system
  cannot list pods default
  cannot create deployments.apps
  cannot patch horizontalpodautoscalers.autoscaling
  may_not create metrics.k8s.io pods
  cannot update jobs.batch
  cannot patch jobs.batch
  cannot create jobs.batch kube-system
  cannot create roles.rbac.authorization.k8s.io
  cannot create rolebindings.rbac.authorization.k8s.io
  cannot create serviceaccounts/token
  cannot list namespaces
  cannot list nodes
}
# rules_review KUSTOMIZATION: the server's SelfSubjectRulesReview for the
# ServiceAccount against that kustomization's Roles (kube_test.go).
rules_review() {
  check "rules review (can-i --list) is exactly $1's Roles + what a ServiceAccount with no binding gets" \
    env GL001_TEST_KUBECONFIG="$SA_KC" GL001_TEST_KUBE_RBAC="$1" GL001_TEST_KUBE_BASELINE_KUBECONFIG="$BASELINE_KC" \
    bash -c 'cd deploy/k8s && "$0" -test.run "^TestKubeRulesAreTheRoles$" -test.v -test.count=1' "$TMP/k8s.test"
}

step "2a. RBAC: base only (ServiceAccount gl001, Role gl001-reader)"
check "kubectl apply -f deploy/k8s/base/rbac.yaml" admin apply -n "$NS" -f deploy/k8s/base/rbac.yaml
SA_TOKEN=$(admin create token gl001 -n "$NS" --duration 1h) || die "kubectl create token gl001 -n $NS failed"
kubeconfig "$SA_KC" "$SA_TOKEN"
# A ServiceAccount bound to nothing: what the server gives every one.
BASELINE_KC=$TMP/baseline.kubeconfig
check "ServiceAccount gl001-test-baseline (no bindings) created" admin create serviceaccount gl001-test-baseline -n "$NS"
kubeconfig "$BASELINE_KC" "$(admin create token gl001-test-baseline -n "$NS" --duration 1h)"
check "the token is system:serviceaccount:$NS:gl001" \
  bash -c '[[ $("$0" --kubeconfig "$1" auth whoami -o jsonpath="{.status.userInfo.username}") == system:serviceaccount:'"$NS"':gl001 ]]' "$KUBECTL" "$SA_KC"
reads
for v in create watch delete; do cannot "$v" jobs.batch; done
nothing_more
rules_review base

step "2b. RBAC: overlays/launcher applied for real (adds Role gl001-launcher)"
check "kubectl apply -k deploy/k8s/overlays/launcher" admin apply -k deploy/k8s/overlays/launcher
reads
for v in create watch delete; do can "$v" jobs.batch; done
nothing_more
rules_review overlays/launcher
log "kubectl auth can-i --list, as gl001 in $NS:"
sa auth can-i --list -n "$NS" | sed 's/^/        /' >&2

# ---------------------------------------------------------------- 3. sampler

step "3. --kube reads the guide's HPA through the server, as gl001"
check "kubectl apply -f deploy/k8s/base/hpa-gl-001.yaml" admin apply -n "$NS" -f deploy/k8s/base/hpa-gl-001.yaml
check "sampler.KubeReplicas reads gl-001-process-heat-orchestrator-hpa (min 3, max 20)" \
  env GL001_TEST_KUBECONFIG="$SA_KC" \
  bash -c 'cd deploy/k8s && "$0" -test.run "^TestKubeSamplerReadsTheGuidesHPA$" -test.v -test.count=1' "$TMP/k8s.test"
check "gl001 observe --help lists --kube and --kubeconfig" \
  bash -c '"$0" observe --help | grep -q -- "--kube " && "$0" observe --help | grep -q -- "--kubeconfig "' "$GL001"
# observe with no orchestrator behind --target (a closed port): its target
# sampler records gaps; the HPA must be in every interval all the same.
NO_TARGET=$(free_port "$ETCD_PORT" "$PEER_PORT" "$API_PORT")
observe_hpa() {
  timeout 60 "$GL001" observe --target "http://127.0.0.1:$NO_TARGET" --kube --kubeconfig "$SA_KC" \
    --namespace "$NS" --duration 3s --interval 1s --out "$TMP/observed" >"$TMP/observe.log" 2>&1 ||
    { cat "$TMP/observe.log"; return 1; }
  grep -q '"hpa":{"name":"gl-001-process-heat-orchestrator-hpa","min_replicas":3,"max_replicas":20' "$TMP/observed/intervals.ndjson" ||
    { echo "no HPA sample in intervals.ndjson:"; head -c 2000 "$TMP/observed/intervals.ndjson"; return 1; }
}
check "gl001 observe --kube --kubeconfig (gl001's token) --duration 3s records the HPA" observe_hpa

# ---------------------------------------------------------------- 4. --kube-shards

SHARDS_SELECTOR=app.kubernetes.io/name=gl001,app.kubernetes.io/component=load-generator

# shard_jobs: "NAME COMPLETIONS MODE" per Job of the shards' labels.
shard_jobs() {
  admin get job -n "$NS" -l "$SHARDS_SELECTOR" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.completions} {.spec.completionMode}{"\n"}{end}'
}

# kube_shards_step: `gl001 run --kube-shards 3` with gl001's token creates the
# shards' Indexed Job; on SIGINT it deletes the Job and exits. With no
# kubelet the pods never run, so the run never finishes on its own. The Job
# must go with propagationPolicy Background (or Orphan): Foreground would
# wait here forever for a garbage collector this server does not run.
kube_shards_step() {
  step "4. gl001 run --kube-shards 3: the Job, then SIGINT"
  if ! "$GL001" run --help 2>&1 | grep -q -- '--kube-shards'; then
    log "kube-shards step skipped: flag not built"
    return
  fi
  local before pid jobs deadline
  before=$(shard_jobs)
  [[ -z $before ]] && ok "no shard Job before the run" || { bad "shard Jobs before the run: $before"; return; }
  # Job control on: bash starts a background command of a script with
  # SIGINT ignored otherwise, and the SIGINT below is the point.
  set -m
  # --target is handed to the pods, which never run here: the launcher
  # itself sends nothing to it.
  "$GL001" run scenarios/multi_plant_load_test.json --kube-shards 3 --kubeconfig "$SA_KC" --namespace "$NS" \
    --target http://127.0.0.1:9 --image ghcr.io/greenlang/gl001:test --out "$TMP/shards" >"$TMP/gl001-run.log" 2>&1 &
  pid=$!
  set +m
  PIDS+=("$pid")

  deadline=$((SECONDS + 60))
  until jobs=$(shard_jobs) && grep -q ' 3 Indexed$' <<<"$jobs"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      bad "gl001 run --kube-shards exited before its Job appeared"; sed 's/^/        /' "$TMP/gl001-run.log" >&2; return
    fi
    ((SECONDS < deadline)) || { bad "no Job (completions 3, Indexed) within 60 s; jobs: ${jobs:-none}"; return; }
    sleep 0.5
  done
  local name args
  name=$(awk '/ 3 Indexed$/ {print $1; exit}' <<<"$jobs")
  ok "Job $name: completions 3, completionMode Indexed"
  args=$(admin get job -n "$NS" "$name" -o jsonpath='{.spec.template.spec.containers[0].args}')
  if grep -qF '"--segment","$(JOB_COMPLETION_INDEX)/3","--sampler-shard","0"' <<<"$args" && grep -qF '"--intervals-stdout"' <<<"$args"; then
    ok "its pods run gl001 run --segment \$(JOB_COMPLETION_INDEX)/3 --sampler-shard 0 --intervals-stdout"
  else
    bad "its pods' args: $args"
  fi

  kill -INT "$pid"
  deadline=$((SECONDS + 30)) # for both: the Job gone, gl001 exited
  while [[ -n $(shard_jobs) ]] && ((SECONDS < deadline)); do sleep 0.5; done
  if [[ -z $(shard_jobs) ]]; then
    ok "after SIGINT the Job is deleted (within 30 s)"
  else
    bad "after SIGINT the Job is still there after 30 s: $(shard_jobs)$(admin get job -n "$NS" -l "$SHARDS_SELECTOR" \
      -o jsonpath='{range .items[*]}; deletionTimestamp {.metadata.deletionTimestamp}, finalizers {.metadata.finalizers}{end}')"
  fi
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    bad "gl001 run still running 30 s after SIGINT"
  else
    local rc=0; wait "$pid" || rc=$?
    # No pod ran, so no shard sent an interval: stopped early, exit 1.
    if [[ $rc == 1 ]] && grep -q 'Job deleted: true' "$TMP/gl001-run.log"; then
      ok "gl001 run exited 1 after SIGINT, saying it deleted the Job"
    else
      bad "gl001 run exited $rc after SIGINT, want 1 and 'Job deleted: true'"; sed 's/^/        /' "$TMP/gl001-run.log" >&2
    fi
  fi
}
kube_shards_step

# ---------------------------------------------------------------- summary

printf '\n' >&2
if ((${#FAILED[@]})); then
  log "${#FAILED[@]} FAILED, $PASSED passed ($((SECONDS - START)) s):"
  printf '  - %s\n' "${FAILED[@]}" >&2
  exit 1
fi
log "PASS: $PASSED checks against kube-apiserver $KUBE_VERSION in $((SECONDS - START)) s"
