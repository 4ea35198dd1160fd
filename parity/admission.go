package parity

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/plugin/pkg/admission/serviceaccount"
)

// The default-enabled admission plugins of kube-apiserver 1.37 that mutate Pods
// before validation (pkg/kubeapiserver/options/plugins.go) and could change a
// verdict podlint can judge from the manifest alone. Only ServiceAccount does: it
// sets serviceAccountName: default, which makes a projected serviceAccountToken
// volume valid. The others depend on cluster objects (LimitRanger, Priority,
// RuntimeClass, webhooks) or add only valid fields (DefaultTolerationSeconds);
// the README's admission section says why each is left out.

var (
	saOnce   sync.Once
	saPlugin *serviceaccount.Plugin
)

// serviceAccountAdmission returns the real ServiceAccount plugin, wired to a
// fake clientset in which every ServiceAccount a Pod names exists: whether the
// cluster has it is cluster state, which neither podlint nor the oracle judges.
func serviceAccountAdmission() *serviceaccount.Plugin {
	saOnce.Do(func() {
		client := fake.NewSimpleClientset()
		client.PrependReactor("get", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
			get := a.(k8stesting.GetAction)
			return true, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: get.GetName(), Namespace: get.GetNamespace()}}, nil
		})
		p := serviceaccount.NewServiceAccount()
		p.SetExternalKubeClientSet(client)
		// The informer is never started: its lister is empty, so the plugin asks the
		// client, whose reactor answers.
		p.SetExternalKubeInformerFactory(informers.NewSharedInformerFactory(client, 0))
		if err := p.ValidateInitialization(); err != nil {
			panic(err)
		}
		saPlugin = p
	})
	return saPlugin
}

// admit runs the mutating admission a Pod create goes through before the
// registry validates it. It returns the plugin's error, which the API server
// answers with 403.
func admit(ctx context.Context, obj runtime.Object, res resource, ns, name string) error {
	pod, ok := obj.(*api.Pod)
	if !ok {
		return nil // ServiceAccount only handles pods; templates are not mutated
	}
	attrs := admission.NewAttributesRecord(pod, nil, schema.GroupVersionKind{Version: "v1", Kind: "Pod"},
		ns, name, res.gv.WithResource(res.name), "", admission.Create, &metav1.CreateOptions{}, false,
		&user.DefaultInfo{Name: "parity"})
	return serviceAccountAdmission().Admit(ctx, attrs, nil)
}
