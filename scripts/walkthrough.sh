#!/bin/sh
# The seeds' walkthrough on this host: starts `hostpod up` (control plane and node agent) on its
# embedded defaults in the background, then runs the walkthrough's kubectl commands verbatim and
# leaves hostpod running for you to go on with kubectl.
#   HOSTPOD_DATA_DIR  where hostpod keeps its data (default /var/lib/hostpod)
#   HOSTPOD_LISTEN    the API server's address (default 127.0.0.1:6443)
set -eu
cd "$(dirname "$0")/.."
data=${HOSTPOD_DATA_DIR:-/var/lib/hostpod}
listen=${HOSTPOD_LISTEN:-127.0.0.1:6443}
# The log goes beside hostpod's data, readable by root only, like everything hostpod keeps there
# (hostpod makes the data directory traversable for its containers' accounts itself).
(umask 077 && mkdir -p "$data" && : >"$data/up.log" && chmod 600 "$data/up.log")
node bin/hostpod.js up --data-dir "$data" --listen "$listen" >"$data/up.log" 2>&1 &
pid=$!
echo "hostpod up is starting (pid $pid, log $data/up.log)"
tries=0
until grep -q '"node agent ready"' "$data/up.log" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then cat "$data/up.log" >&2; echo "hostpod up stopped; see above" >&2; exit 1; fi
  tries=$((tries + 1)); [ "$tries" -lt 600 ] || { echo "hostpod up did not get ready in 60 s; see $data/up.log" >&2; exit 1; }
  sleep 0.1
done
export KUBECONFIG="$data/admin.kubeconfig"
run() { echo "\$ $*"; "$@"; }
run kubectl apply -f examples/hostprocess.yaml
tries=0
until kubectl get pods --namespace kube-system 2>/dev/null | grep -Eq '^privileged-daemonset-[a-z0-9]{5} +1/1 +Running'; do
  tries=$((tries + 1)); [ "$tries" -lt 300 ] || { echo "the pod did not reach Running in 30 s" >&2; exit 1; }
  sleep 0.1
done
run kubectl get pods --namespace kube-system
pod=$(kubectl get pods --namespace kube-system -o name | grep privileged-daemonset | head -1 | cut -d/ -f2)
tries=0
until kubectl logs "$pod" --namespace kube-system 2>/dev/null | grep -q 'admin rights'; do
  tries=$((tries + 1)); [ "$tries" -lt 100 ] || break
  sleep 0.1
done
run kubectl logs "$pod" --namespace kube-system
cat <<INFO

hostpod keeps running (pid $pid). Go on with kubectl:
  export KUBECONFIG=$KUBECONFIG
  kubectl describe pod $pod --namespace kube-system
  kubectl exec -it $pod --namespace kube-system -- sh
  kubectl delete -f examples/hostprocess.yaml
Stop it with: kill $pid   (the containers keep running until their pods are deleted)
INFO
