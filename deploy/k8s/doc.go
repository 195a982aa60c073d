// Package k8s holds gl001's Kubernetes manifests as kustomize directories,
// the tests that render every overlay with kustomize's Go API and decode
// each object strictly with client-go's scheme, and one Go value: the
// shard Job's manifest (ShardJob), which gl001 run --kube-shards launches.
//
//	base/               the guide's HPAs (hpa-gl-001.yaml, hpa-boiler-agents.yaml),
//	                    ConfigMap gl-001-load-test, read-only RBAC, the harness
//	                    as an Indexed Job of 3 shards (--segment i/3)
//	overlays/standin/   the stand-in (gl001 simulate) as a Deployment + Service
//	overlays/guide/     base + stand-in under the guide's names (--profile guide)
//	overlays/greenlang/ base + stand-in under the public implementation's names
//	                    (--profile greenlang)
//	overlays/launcher/  base with one pod running `gl001 run --kube-shards 3`
//	                    instead of the static Job, and Jobs create/delete for it
//
// Render with `kubectl kustomize deploy/k8s/overlays/guide`; `gl001
// capacity -o kustomize` writes a patch any of them takes.
package k8s
