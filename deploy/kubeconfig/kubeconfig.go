// Package kubeconfig finds the credentials of a Kubernetes cluster the way
// kubectl does, and says where it looked when it finds none: the
// --kubeconfig flag, $KUBECONFIG, ~/.kube/config, and the in-cluster
// service account of a pod.
package kubeconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Error is a failure to find or read credentials. It lists every place
// looked at, in order, and what was there.
type Error struct {
	Path, Context string   // as asked for
	Looked        []string // "--kubeconfig: not given", "$KUBECONFIG: unset", …
	Err           error
}

func (e *Error) Error() string {
	from := Describe(e.Path)
	if e.Context != "" {
		from += fmt.Sprintf(", context %q", e.Context)
	}
	return fmt.Sprintf("no usable cluster credentials from %s: %v (looked at %s)", from, e.Err, strings.Join(e.Looked, "; "))
}

func (e *Error) Unwrap() error { return e.Err }

// Load returns the client configuration for path ("" when no
// --kubeconfig was given) and context ("" for the current one). With
// neither, a pod's in-cluster service account comes first; then, as
// kubectl, $KUBECONFIG and ~/.kube/config. Errors are *Error.
func Load(path, context string) (*rest.Config, error) {
	looked := lookups(path)
	if path == "" && context == "" {
		cfg, err := rest.InClusterConfig()
		if err == nil {
			return cfg, nil
		}
		looked = append(looked, "in-cluster service account: "+inClusterWhy(err))
	} else {
		looked = append(looked, "in-cluster service account: not tried with --kubeconfig or a context")
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, &Error{Path: path, Context: context, Looked: looked, Err: err}
		}
		rules.ExplicitPath = path
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, &Error{Path: path, Context: context, Looked: looked, Err: err}
	}
	return cfg, nil
}

// lookups describes the kubeconfig files the loading rules read.
func lookups(path string) []string {
	if path != "" {
		return []string{fmt.Sprintf("--kubeconfig %q", path)}
	}
	out := []string{"--kubeconfig: not given"}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		out = append(out, "$KUBECONFIG="+env+": "+exists(filepath.SplitList(env)...))
	} else {
		out = append(out, "$KUBECONFIG: unset")
	}
	return append(out, clientcmd.RecommendedHomeFile+": "+exists(clientcmd.RecommendedHomeFile))
}

func exists(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return "found"
		}
	}
	return "no such file"
}

func inClusterWhy(err error) string {
	if errors.Is(err, rest.ErrNotInCluster) {
		return "not in a pod ($KUBERNETES_SERVICE_HOST and $KUBERNETES_SERVICE_PORT unset)"
	}
	return err.Error()
}

// Describe names the source of credentials for messages.
func Describe(path string) string {
	if path == "" {
		return "kubeconfig (in-cluster, $KUBECONFIG or ~/.kube/config)"
	}
	return fmt.Sprintf("kubeconfig %q", path)
}
