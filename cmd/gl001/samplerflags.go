package main

import (
	"github.com/spf13/pflag"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// addKubeFlags declares the flags that point the samplers at the
// orchestrator in Kubernetes, the same for run and observe.
func addKubeFlags(f *pflag.FlagSet, kube *bool, k *sampler.KubeOptions) {
	f.BoolVar(kube, "kube", false, "sample the orchestrator's pods (metrics.k8s.io) and HPA through the Kubernetes API instead of local processes")
	f.StringVar(&k.Kubeconfig, "kubeconfig", "", "kubeconfig file for --kube (empty: in-cluster, then the usual loading rules)")
	f.StringVar(&k.Context, "kube-context", "", "kubeconfig context for --kube")
	f.StringVar(&k.Namespace, "namespace", "", "namespace of the orchestrator, for --kube (default: the profile's, greenlang)")
	f.StringVar(&k.LabelSelector, "selector", "", "label selector of the orchestrator's pods, for --kube (default: the profile's, app=gl-001-process-heat-orchestrator)")
	f.StringVar(&k.HPAName, "hpa", "", "the orchestrator's HorizontalPodAutoscaler, for --kube (default: the profile's, gl-001-process-heat-orchestrator-hpa)")
}

// addProfileFlag declares --profile, the target's names.
func addProfileFlag(f *pflag.FlagSet, profile *string) {
	f.StringVar(profile, "profile", "guide", `the target's names (topics, group, API paths, metric names, Kubernetes objects): "guide", "greenlang" (the public implementation's), or a JSON profile file whose fields replace the guide's`)
}
