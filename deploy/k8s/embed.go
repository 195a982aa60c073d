package k8s

import _ "embed"

// ShardJob is base/job.yaml, the harness as an Indexed Job: the template
// gl001 run --kube-shards launches, so the Job it creates is the one
// these manifests apply.
//
//go:embed base/job.yaml
var ShardJob []byte

// GuideHPA is base/hpa-gl-001.yaml, the guide's orchestrator HPA, every
// value as the guide has it: the HPA gl001 hpa replay and the report's
// replay use unless told another.
//
//go:embed base/hpa-gl-001.yaml
var GuideHPA []byte
