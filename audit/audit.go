// Package audit checks the Pods and workloads of a live cluster with the engine
// the webhook uses: it lists every kind podlint reads, page by page, and returns
// one lint.Result whose findings are located by object and field path (there is
// no file), ready for any lint/report printer.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/podlint/podlint/lint"
)

// DefaultPageSize is the number of objects asked for per list call: the page
// size kubectl uses (--chunk-size), which keeps each response small for the API
// server and etcd however many objects a cluster holds.
const DefaultPageSize = 500

// Kinds are the resources podlint reads, in the order they are listed.
var Kinds = []schema.GroupVersionResource{
	{Version: "v1", Resource: "pods"},
	{Version: "v1", Resource: "replicationcontrollers"},
	{Group: "apps", Version: "v1", Resource: "deployments"},
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Group: "apps", Version: "v1", Resource: "statefulsets"},
	{Group: "apps", Version: "v1", Resource: "daemonsets"},
	{Group: "batch", Version: "v1", Resource: "jobs"},
	{Group: "batch", Version: "v1", Resource: "cronjobs"},
}

// Options configure an audit.
type Options struct {
	// Engine runs the rules, with the configuration and policies of `podlint check`.
	Engine *lint.Engine
	// Namespace limits the audit to one namespace; empty means all namespaces.
	Namespace string
	// PageSize is the list limit per call; zero means DefaultPageSize.
	PageSize int64
	// Resources are custom resources to list after Kinds (a Rollout, a
	// ScaledJob): their pod templates are judged as the engine reads them.
	Resources []schema.GroupVersionResource
}

// ParseResource reads GROUP/VERSION/RESOURCE (argoproj.io/v1alpha1/rollouts).
func ParseResource(s string) (schema.GroupVersionResource, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return schema.GroupVersionResource{}, fmt.Errorf("%q is not GROUP/VERSION/RESOURCE (e.g. argoproj.io/v1alpha1/rollouts)", s)
	}
	return schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}, nil
}

// Stats count what an audit listed besides the checked objects.
type Stats struct {
	// Controlled counts Pods owned by a controller: judged through their owner's
	// template, as the webhook does, and not checked again.
	Controlled int
	// Pages counts list calls.
	Pages int
	// Listed counts the objects listed, of every kind.
	Listed int
	// NamespaceLabelsErr is why the namespaces' labels could not be read (RBAC
	// forbids it): their Pod Security levels were then not applied.
	NamespaceLabelsErr error
}

// Run lists the objects and checks each one. Findings are sorted by namespace,
// kind, name and field, so a text report groups them by namespace. An error
// means the cluster could not be listed (unreachable, forbidden): no partial
// result is returned, as an audit that silently missed a kind would mislead.
func Run(ctx context.Context, client dynamic.Interface, opts Options) (*lint.Result, Stats, error) {
	var st Stats
	if opts.Engine == nil {
		return nil, st, errors.New("audit: Options.Engine is required")
	}
	limit := opts.PageSize
	if limit <= 0 {
		limit = DefaultPageSize
	}
	res := &lint.Result{}
	labels, err := namespaceLabels(ctx, client, opts.Namespace)
	switch {
	case apierrors.IsForbidden(err):
		// Without them only --pod-security applies; the caller says so.
		st.NamespaceLabelsErr = err
	case err != nil:
		return nil, st, err
	}
	for _, gvr := range append(append([]schema.GroupVersionResource{}, Kinds...), opts.Resources...) {
		cont := ""
		for {
			list, err := client.Resource(gvr).Namespace(opts.Namespace).List(ctx, metav1.ListOptions{Limit: limit, Continue: cont})
			if err != nil {
				return nil, st, fmt.Errorf("listing %s: %w", resourceName(gvr), err)
			}
			st.Pages++
			st.Listed += len(list.Items)
			for i := range list.Items {
				// Items of a list carry their apiVersion and kind once decoded
				// (UnstructuredList fills them in), which the engine needs.
				raw, err := json.Marshal(list.Items[i].Object)
				if err != nil {
					return nil, st, fmt.Errorf("encoding %s %s/%s: %w", gvr.Resource, list.Items[i].GetNamespace(), list.Items[i].GetName(), err)
				}
				if err := check(ctx, opts.Engine, raw, labels[list.Items[i].GetNamespace()], res, &st); err != nil {
					return nil, st, err
				}
			}
			cont = list.GetContinue()
			if cont == "" {
				break
			}
		}
	}
	res.CountSeverities()
	sortResult(res)
	return res, st, nil
}

// check runs the engine on one listed object and adds it to res.
func check(ctx context.Context, e *lint.Engine, raw []byte, nsLabels map[string]string, res *lint.Result, st *Stats) error {
	out, err := e.CheckObjectIn(ctx, raw, nsLabels)
	if err != nil {
		// A rule that panicked is podlint's failure (exit 3), not the object's.
		res.Internal = append(res.Internal, err)
	}
	if out == nil || out.Object == nil {
		return ctx.Err()
	}
	obj := out.Object
	if obj.Controlled() {
		st.Controlled++
		return nil
	}
	res.Objects = append(res.Objects, lint.CheckedObject{Object: obj.Ref})
	res.Summary.Objects++
	res.Findings = append(res.Findings, lint.LiveFindings(out.Findings)...)
	res.Suppressed = append(res.Suppressed, out.Suppressed...)
	res.Summary.Suppressed += len(out.Suppressed)
	return nil
}

// namespaceLabels reads the labels of the audited namespaces, whose
// pod-security.kubernetes.io labels decide which Pod Security levels the
// objects are judged at: what the admission controller's dry run of a label
// change reports for the Pods already there.
func namespaceLabels(ctx context.Context, client dynamic.Interface, namespace string) (map[string]map[string]string, error) {
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	out := map[string]map[string]string{}
	if namespace != "" {
		ns, err := client.Resource(gvr).Get(ctx, namespace, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading namespace %s (its Pod Security labels): %w", namespace, err)
		}
		out[namespace] = ns.GetLabels()
		return out, nil
	}
	cont := ""
	for {
		list, err := client.Resource(gvr).List(ctx, metav1.ListOptions{Limit: DefaultPageSize, Continue: cont})
		if err != nil {
			return nil, fmt.Errorf("listing namespaces (their Pod Security labels): %w", err)
		}
		for i := range list.Items {
			out[list.Items[i].GetName()] = list.Items[i].GetLabels()
		}
		if cont = list.GetContinue(); cont == "" {
			return out, nil
		}
	}
}

func sortResult(res *lint.Result) {
	less := func(a, b lint.ObjectRef) int {
		for _, c := range [][2]string{{a.Namespace, b.Namespace}, {a.Kind, b.Kind}, {a.Name, b.Name}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	}
	sort.SliceStable(res.Objects, func(i, j int) bool { return less(res.Objects[i].Object, res.Objects[j].Object) < 0 })
	sort.SliceStable(res.Findings, func(i, j int) bool {
		if c := less(res.Findings[i].Object, res.Findings[j].Object); c != 0 {
			return c < 0
		}
		return res.Findings[i].Field < res.Findings[j].Field
	})
}

func resourceName(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}
