#!/usr/bin/env bash
# What `ct install` does not cover, against the one-node cluster (run by test-cluster.sh, with the
# cluster up and the images imported; KUBECONFIG is the cluster's admin kubeconfig):
#  1. the lifecycle release (lifecycle/ha-values.yaml: several replicas of every service,
#     PodDisruptionBudgets, anti-affinity, NetworkPolicies, a NodePort with a fixed ClusterIP):
#     install --wait and helm test; from the host, the kubeconfig the install notes describe,
#     made by running the notes' own lines, through their port-forward, the NodePort on the node
#     address and the ClusterIP through kube-proxy; the release's kube-controller-manager and
#     kube-scheduler make and bind a Deployment's pods (to a Node object), collect them when it is
#     deleted, and sign an approved CSR; kapi's default/kubernetes Endpoints and
#     EndpointSlice list exactly the live front doors, and follow when one is deleted; helm
#     upgrade to a changed value (lifecycle/upgrade-values.yaml) and helm test, helm rollback and
#     helm test, each checking the value the front doors run with; the failover load test
#     (npm run loadtest --kill kubernetes --helm-upgrade: a pod of every component deleted in
#     turn, an etcd member of three among them, then a rolling helm upgrade, under load through
#     the NodePort; KAPI_LOADTEST_REPORT_DIR keeps its report); uninstall.
#  2. the external-etcd release: an etcd over TLS (client certificates required) started on the
#     host on the node address with certificates made here, the chart's etcd.externalEndpoints and
#     etcd.externalTls pointing at it: install --wait, helm test, kapi's keys are in that etcd;
#     uninstall.
# Waits are bounded and poll; nothing asserts how long anything takes.
set -euo pipefail
KAPI_SCRIPT=chart-lifecycle
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
# shellcheck source=common.sh
source "${here}/common.sh"

chart="${1:-${repo}/charts/kapi}"
: "${KUBECONFIG:=${KUBECONFIG_ADMIN}}"
export KUBECONFIG
HA_NS=kapi-lifecycle
HA_RELEASE=kapi
EXT_NS=kapi-external-etcd
EXT_RELEASE=kapi
NODE_PORT=30443
CLUSTER_IP=10.96.0.200
EXT_ETCD_CLIENT_PORT=2479
EXT_ETCD_PEER_PORT=2480
HELM_TIMEOUT=600s

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# until_ok <seconds> <what> <command...>: polls the command every 2 s until it succeeds; past the
# deadline fails the test with <what>, expanded then (single-quote it to show the state at failure).
until_ok() {
  local deadline=$(($(date +%s) + $1)) what="$2"
  shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "${deadline}" ] || die "gave up waiting: $(eval "echo \"${what}\"")"
    sleep 2
  done
}

helm_test() { helm test "$1" -n "$2" --logs --timeout "${HELM_TIMEOUT}"; }

# The IPs, sorted one a line, of the release's front-door pods that are Ready and not being deleted.
live_front_doors() {
  kubectl get pods -n "${HA_NS}" \
    -l "app.kubernetes.io/instance=${HA_RELEASE},app.kubernetes.io/component=aggregator" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null)
      | select(any(.status.conditions[]?; .type == "Ready" and .status == "True")) | .status.podIP' | sort
}
# kapi's own default/kubernetes Endpoints and EndpointSlice addresses, sorted one a line.
kapi_endpoints() {
  kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" \
    get endpoints kubernetes -n default -o json | jq -r '[.subsets[]?.addresses[]?.ip] | .[]' | sort
}
kapi_endpointslice() {
  kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" \
    get endpointslice kubernetes -n default -o json |
    jq -r '[.endpoints[]? | select(.conditions.ready != false) | .addresses[]] | .[]' | sort
}
# endpoints_are <expected count>: kapi's Endpoints and EndpointSlice list exactly the live front
# doors, and there are that many of them.
endpoints_are() {
  local live
  live="$(live_front_doors)"
  [ "$(printf '%s\n' "${live}" | grep -c .)" -eq "$1" ] &&
    [ "$(kapi_endpoints)" = "${live}" ] && [ "$(kapi_endpointslice)" = "${live}" ]
}
endpoints_state() {
  echo "Endpoints: $(kapi_endpoints | tr '\n' ' ')EndpointSlice: $(kapi_endpointslice | tr '\n' ' ')live: $(live_front_doors | tr '\n' ' ')"
}

# The max-requests-inflight every front-door pod of the lifecycle release runs with (its env), one
# line per distinct value among the pods that are not being deleted.
front_door_inflight() {
  kubectl get pods -n "${HA_NS}" \
    -l "app.kubernetes.io/instance=${HA_RELEASE},app.kubernetes.io/component=aggregator" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .spec.containers[0].env[]
      | select(.name == "KAPI_MAX_REQUESTS_INFLIGHT") | .value' | sort -u
}
inflight_is() { [ "$(front_door_inflight)" = "$1" ]; }

# ---- 1. the lifecycle release -------------------------------------------------------------------
log "install ${HA_RELEASE} in ${HA_NS} (lifecycle/ha-values.yaml)"
kubectl create namespace "${HA_NS}" >/dev/null
helm install "${HA_RELEASE}" "${chart}" -n "${HA_NS}" -f "${here}/lifecycle/ha-values.yaml" \
  --wait --timeout "${HELM_TIMEOUT}" >"${work}/install.out"
helm_test "${HA_RELEASE}" "${HA_NS}"

log "what the values asked for is in the cluster"
for component in aggregator authn authz admission registry watch-cache; do
  name="${HA_RELEASE}-${component}"
  ready="$(kubectl get deployment "${name}" -n "${HA_NS}" -o jsonpath='{.status.readyReplicas}')"
  [ "${ready}" -ge 2 ] || die "${name}: ${ready} ready replicas, want several"
  kubectl get pdb "${name}" -n "${HA_NS}" >/dev/null || die "${name}: no PodDisruptionBudget"
  kubectl get deployment "${name}" -n "${HA_NS}" -o json |
    jq -e '.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution | length == 1' \
      >/dev/null || die "${name}: no pod anti-affinity"
  kubectl get deployment "${name}" -n "${HA_NS}" -o json |
    jq -e '.spec.template.spec.containers[0] | .resources.requests.cpu and .resources.limits.memory
      and .startupProbe and .livenessProbe and .readinessProbe' >/dev/null || die "${name}: no requests, limits or probes"
done
# kubectl get pdb's ALLOWED DISRUPTIONS: with every replica ready each budget (the six services' and
# etcd's) allows an eviction.
pdbs_allow_eviction() {
  kubectl get pdb -n "${HA_NS}" -o json |
    jq -e '(.items | length == 7) and ([.items[] | .status.disruptionsAllowed >= 1] | all)' >/dev/null
}
until_ok 120 'every PodDisruptionBudget allows an eviction ($(kubectl get pdb -n "${HA_NS}"))' pdbs_allow_eviction
[ "$(kubectl get networkpolicy -n "${HA_NS}" -o name | grep -c .)" -ge 8 ] ||
  die "fewer NetworkPolicies than components"
[ "$(kubectl get statefulset "${HA_RELEASE}-etcd" -n "${HA_NS}" -o jsonpath='{.status.readyReplicas}')" = 3 ] ||
  die "etcd: not 3 Ready members"

# The admin kubeconfig exactly as the install notes describe it: their lines are run as they are
# printed, in an empty directory, with the cluster's kubeconfig in KUBECONFIG as a user has it.
log "the install notes' kubeconfig, made by running the notes' lines"
helm get notes "${HA_RELEASE}" -n "${HA_NS}" >"${work}/notes.txt"
mkdir "${work}/notes"
# The block from the first `kubectl ... get secret` to `chmod 600 kapi.kubeconfig`.
sed -n '/^  kubectl -n .* get secret /,/^  chmod 600 kapi.kubeconfig$/p' "${work}/notes.txt" |
  sed 's/^  //' >"${work}/notes/make-kubeconfig.sh"
grep -q 'kubectl config use-context kapi' "${work}/notes/make-kubeconfig.sh" ||
  die "the notes have no kubeconfig block: $(cat "${work}/notes.txt")"
port_forward="$(sed -n 's/^  \(kubectl -n .* port-forward .*\)$/\1/p' "${work}/notes.txt")"
[ -n "${port_forward}" ] || die "the notes have no port-forward line"
last_line="$(sed -n '/port-forward/,$p' "${work}/notes.txt" | sed -n 's/^  \(kubectl get .*\)$/\1/p' | head -1)"
[ "${last_line}" = "kubectl get namespaces" ] || die "the notes end with '${last_line}', not kubectl get namespaces"
(cd "${work}/notes" && bash -euo pipefail make-kubeconfig.sh >/dev/null)
# "in another terminal, with your cluster's kubeconfig:"
(cd "${work}/notes" && exec bash -c "exec ${port_forward}") >"${work}/port-forward.log" 2>&1 &
pids+=($!)
kapi_get_namespaces() { (cd "${work}/notes" && KUBECONFIG="${PWD}/kapi.kubeconfig" kubectl get namespaces "$@"); }
until_ok 120 'kubectl get namespaces through the port-forward of the notes ($(cat "${work}/port-forward.log"))' \
  kapi_get_namespaces -o name >/dev/null 2>&1
kapi_get_namespaces | tee "${work}/namespaces.txt"
grep -q '^default ' "${work}/namespaces.txt" || die "kapi listed no default namespace"

log "kubectl from the host: the NodePort on ${NODE_IP} and the ClusterIP through kube-proxy"
for server in "https://${NODE_IP}:${NODE_PORT}" "https://${CLUSTER_IP}:6443"; do
  kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "${server}" \
    create configmap lifecycle-probe -n default --from-literal=via="${server}" >/dev/null
  [ "$(kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "${server}" \
    get configmap lifecycle-probe -n default -o jsonpath='{.data.via}')" = "${server}" ] ||
    die "${server}: the ConfigMap read back differs"
  kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "${server}" \
    delete configmap lifecycle-probe -n default >/dev/null
done

# The release runs the upstream kube-controller-manager and kube-scheduler against kapi
# (controllerManager/scheduler in ha-values.yaml). kapi has no kubelet here: a Node object stands
# for one, so that the scheduler has somewhere to bind pods.
log "kube-controller-manager and kube-scheduler against kapi"
kapi() { kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" "$@"; }
kapi apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata:
  name: lifecycle-node
  labels:
    kubernetes.io/hostname: lifecycle-node
status:
  allocatable: {cpu: "8", memory: 16Gi, pods: "110"}
  capacity: {cpu: "8", memory: 16Gi, pods: "110"}
  conditions:
    - type: Ready
      status: "True"
      reason: KubeletReady
      lastHeartbeatTime: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      lastTransitionTime: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
YAML
# kapi's TaintNodesByCondition admission taints a new Node not-ready, as kube-apiserver's does; the
# node lifecycle controller would lift it once the node reports Ready, and it is off here.
kapi taint node lifecycle-node node.kubernetes.io/not-ready:NoSchedule- >/dev/null
kapi create deployment web --image=nginx --replicas=3 -n default >/dev/null
scheduled_pods() { kapi get pods -n default -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c '^lifecycle-node$'; }
three_scheduled() { [ "$(scheduled_pods)" = 3 ]; }
until_ok 180 'the Deployment has 3 pods bound to lifecycle-node ($(kapi get pods -n default -l app=web -o wide 2>&1))' three_scheduled
[ "$(kapi get replicasets -n default -l app=web -o name | grep -c .)" = 1 ] || die "not one ReplicaSet for the Deployment"
kapi delete deployment web -n default >/dev/null
# The controller-manager's garbage collector deletes the ReplicaSet and its pods; a bound pod then
# waits, Terminating, for its kubelet to confirm, as in any cluster, so no pod may be left that is
# not being deleted.
collected() {
  [ -z "$(kapi get replicasets -n default -l app=web -o name)" ] &&
    [ "$(kapi get pods -n default -l app=web -o name | grep -c .)" = \
      "$(kapi get pods -n default -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}{"\n"}{end}' | grep -c .)" ]
}
until_ok 180 'the garbage collector deletes the ReplicaSet and pods of the deleted Deployment ($(kapi get rs,pods -n default -l app=web -o yaml 2>&1 | grep -E "name:|deletionTimestamp"))' collected
kapi delete pods -n default -l app=web --grace-period=0 --force >/dev/null 2>&1
# A CSR approved by a user is signed by the controller-manager with the chart's CA, and the
# certificate it gets authenticates to kapi.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${work}/user.key" \
  -subj "/CN=lifecycle-user/O=lifecycle-group" -out "${work}/user.csr" 2>/dev/null
kapi apply -f - >/dev/null <<YAML
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: lifecycle-user
spec:
  request: $(base64 -w0 "${work}/user.csr")
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]
YAML
kapi certificate approve lifecycle-user >/dev/null
signed() { [ -n "$(kapi get csr lifecycle-user -o jsonpath='{.status.certificate}')" ]; }
until_ok 120 'the controller-manager signs the approved CSR ($(kapi get csr lifecycle-user -o yaml 2>&1))' signed
kapi get csr lifecycle-user -o jsonpath='{.status.certificate}' | base64 -d >"${work}/user.crt"
cp "${work}/notes/kapi.kubeconfig" "${work}/user.kubeconfig"
kubectl --kubeconfig "${work}/user.kubeconfig" config set-credentials lifecycle-user --embed-certs \
  --client-certificate "${work}/user.crt" --client-key "${work}/user.key" >/dev/null
kubectl --kubeconfig "${work}/user.kubeconfig" config set-context --current --user lifecycle-user >/dev/null
[ "$(kubectl --kubeconfig "${work}/user.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" \
  auth whoami -o jsonpath='{.status.userInfo.username}')" = lifecycle-user ] ||
  die "the signed certificate does not authenticate as lifecycle-user"
kapi delete csr lifecycle-user >/dev/null
kapi delete node lifecycle-node >/dev/null

log "kapi's default/kubernetes Endpoints and EndpointSlice list the live front doors"
until_ok 180 'Endpoints = live front doors ($(endpoints_state))' endpoints_are 3
victim="$(kubectl get pods -n "${HA_NS}" -l "app.kubernetes.io/instance=${HA_RELEASE},app.kubernetes.io/component=aggregator" \
  -o jsonpath='{.items[0].metadata.name}')"
victim_ip="$(kubectl get pod "${victim}" -n "${HA_NS}" -o jsonpath='{.status.podIP}')"
log "deleting front door ${victim} (${victim_ip})"
kubectl delete pod "${victim}" -n "${HA_NS}" --wait=false >/dev/null
gone_and_replaced() { ! kapi_endpoints | grep -qxF "${victim_ip}" && endpoints_are 3; }
until_ok 300 'Endpoints follow the deletion ($(endpoints_state))' gone_and_replaced
log "Endpoints: $(kapi_endpoints | tr '\n' ' ')"

log "helm upgrade to a changed value (lifecycle/upgrade-values.yaml)"
[ "$(front_door_inflight)" = 400 ] || die "front doors run with max-requests-inflight $(front_door_inflight), want 400"
helm upgrade "${HA_RELEASE}" "${chart}" -n "${HA_NS}" --reuse-values -f "${here}/lifecycle/upgrade-values.yaml" \
  --wait --timeout "${HELM_TIMEOUT}" >/dev/null
until_ok 300 'every front door runs the upgraded value ($(front_door_inflight | tr "\n" " "))' inflight_is 300
helm_test "${HA_RELEASE}" "${HA_NS}"
# The chart kept its CA: the kubeconfig issued before the upgrade still works.
kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" get --raw /readyz >/dev/null

log "helm rollback to the first revision"
helm rollback "${HA_RELEASE}" 1 -n "${HA_NS}" --wait --timeout "${HELM_TIMEOUT}" >/dev/null
until_ok 300 'every front door runs the rolled-back value ($(front_door_inflight | tr "\n" " "))' inflight_is 400
[ "$(helm history "${HA_RELEASE}" -n "${HA_NS}" -o json | jq -r 'map(.status) | join(" ")')" = "superseded superseded deployed" ] ||
  die "helm history: $(helm history "${HA_RELEASE}" -n "${HA_NS}")"
helm_test "${HA_RELEASE}" "${HA_NS}"
kubectl --kubeconfig "${work}/notes/kapi.kubeconfig" --server "https://${NODE_IP}:${NODE_PORT}" get --raw /readyz >/dev/null
until_ok 180 'Endpoints = live front doors after the rollback ($(endpoints_state))' endpoints_are 3

# The failover load test as a user runs it against an install: load through the NodePort while
# it deletes a pod of every component in turn (a front door, each backend, NATS, an etcd member of
# three) and then rolls every pod with `helm upgrade`; it exits 0 only when every acknowledged
# write is in etcd and every watcher saw exactly etcd's history.
log "the failover load test against the release (npm run loadtest --kill kubernetes --helm-upgrade)"
cp "${work}/notes/kapi.kubeconfig" "${work}/loadtest.kubeconfig"
kubectl --kubeconfig "${work}/loadtest.kubeconfig" config set-cluster kapi --server "https://${NODE_IP}:${NODE_PORT}" >/dev/null
(cd "${repo}" && npm run --silent loadtest -- --kubeconfig "${work}/loadtest.kubeconfig" --profile smoke \
  --kill kubernetes --cluster-kubeconfig "${KUBECONFIG}" --release "${HA_RELEASE}" --release-namespace "${HA_NS}" \
  --helm-upgrade "${chart}" --report-dir "${KAPI_LOADTEST_REPORT_DIR:-${work}/loadtest-report}") ||
  die "the load test against the release failed (exit $?)"
helm_test "${HA_RELEASE}" "${HA_NS}"

kill "${pids[0]}" 2>/dev/null || true
helm uninstall "${HA_RELEASE}" -n "${HA_NS}" >/dev/null
kubectl delete pods -n "${HA_NS}" -l app.kubernetes.io/component=test --ignore-not-found >/dev/null
kubectl delete namespace "${HA_NS}" --wait=false >/dev/null

# ---- 2. an external etcd over TLS ---------------------------------------------------------------
log "an etcd over TLS on ${NODE_IP}:${EXT_ETCD_CLIENT_PORT} with client certificates"
pki="${work}/etcd-pki"
mkdir "${pki}"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=external-etcd-ca \
  -keyout "${pki}/ca.key" -out "${pki}/ca.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
issue() { # issue <name> <extended key usage> [subjectAltName]
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "${pki}/$1.key" -out "${pki}/$1.csr" 2>/dev/null
  printf 'extendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\n%s\n' "$2" "${3:+subjectAltName=$3}" >"${pki}/$1.ext"
  openssl x509 -req -in "${pki}/$1.csr" -CA "${pki}/ca.crt" -CAkey "${pki}/ca.key" -days 1 \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "${pki}/$1.ext" -out "${pki}/$1.crt" 2>/dev/null
}
# etcd's gRPC gateway (the /v3 JSON API used below) dials etcd's own port with the server's
# certificate, which client-cert-auth then checks as a client's: it needs both usages.
issue etcd-server serverAuth,clientAuth "IP:${NODE_IP}"
issue kapi-registry clientAuth
"${ETCD_BIN}/etcd" --name external --data-dir "${work}/etcd-data" \
  --listen-client-urls "https://${NODE_IP}:${EXT_ETCD_CLIENT_PORT}" \
  --advertise-client-urls "https://${NODE_IP}:${EXT_ETCD_CLIENT_PORT}" \
  --listen-peer-urls "http://${NODE_IP}:${EXT_ETCD_PEER_PORT}" \
  --initial-advertise-peer-urls "http://${NODE_IP}:${EXT_ETCD_PEER_PORT}" \
  --initial-cluster "external=http://${NODE_IP}:${EXT_ETCD_PEER_PORT}" \
  --cert-file "${pki}/etcd-server.crt" --key-file "${pki}/etcd-server.key" \
  --trusted-ca-file "${pki}/ca.crt" --client-cert-auth >"${work}/etcd.log" 2>&1 &
pids+=($!)
etcd_api() {
  curl --silent --show-error --fail --cacert "${pki}/ca.crt" --cert "${pki}/kapi-registry.crt" \
    --key "${pki}/kapi-registry.key" "https://${NODE_IP}:${EXT_ETCD_CLIENT_PORT}$1" "${@:2}"
}
etcd_healthy() { etcd_api /health -o /dev/null 2>/dev/null; }
until_ok 60 'the external etcd serves ($(tail -3 "${work}/etcd.log"))' etcd_healthy
# Without a client certificate etcd refuses the connection: the chart's must be the one used.
! curl --silent --cacert "${pki}/ca.crt" "https://${NODE_IP}:${EXT_ETCD_CLIENT_PORT}/health" -o /dev/null ||
  die "the external etcd accepted a client without a certificate"

log "install ${EXT_RELEASE} in ${EXT_NS} with etcd.externalEndpoints and etcd.externalTls"
kubectl create namespace "${EXT_NS}" >/dev/null
kubectl create secret generic external-etcd-client -n "${EXT_NS}" --from-file=ca.crt="${pki}/ca.crt" \
  --from-file=tls.crt="${pki}/kapi-registry.crt" --from-file=tls.key="${pki}/kapi-registry.key" >/dev/null
helm install "${EXT_RELEASE}" "${chart}" -n "${EXT_NS}" --set etcd.enabled=false \
  --set "etcd.externalEndpoints[0]=https://${NODE_IP}:${EXT_ETCD_CLIENT_PORT}" \
  --set etcd.externalTls.secretName=external-etcd-client --wait --timeout "${HELM_TIMEOUT}" >/dev/null
! kubectl get statefulset -n "${EXT_NS}" -o name | grep -q etcd || die "the release runs its own etcd"
helm_test "${EXT_RELEASE}" "${EXT_NS}"
# Every key in the external etcd (the range from "\0" to the end).
keys="$(etcd_api /v3/kv/range -X POST -d '{"key":"AA==","range_end":"AA==","count_only":true}' | jq -r '.count // "0"')"
[ "${keys}" -gt 0 ] || die "kapi wrote nothing to the external etcd"
log "the external etcd holds ${keys} keys of kapi's"
helm uninstall "${EXT_RELEASE}" -n "${EXT_NS}" >/dev/null
kubectl delete pods -n "${EXT_NS}" -l app.kubernetes.io/component=test --ignore-not-found >/dev/null
kubectl delete namespace "${EXT_NS}" --wait=false >/dev/null

log "waiting for the namespaces' deletion"
for ns in "${HA_NS}" "${EXT_NS}"; do
  kubectl wait --for=delete "namespace/${ns}" --timeout=600s >/dev/null 2>&1 || true
  kubectl get namespace "${ns}" >/dev/null 2>&1 && die "namespace ${ns} was not deleted"
done
log "passed"
