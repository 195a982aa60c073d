package k8s

import _ "embed"

// ShardJob is base/job.yaml, the harness as an Indexed Job: the template
// gl001 run --kube-shards launches, so the Job it creates is the one
// these manifests apply.
//
//go:embed base/job.yaml
var ShardJob []byte
