package lint

// BuiltinCustomKinds are the custom resource kinds podlint reads without
// configuration. Each site was checked against the project's published API types
// and the validation its controller or webhook applies to the template, at the
// release named in Source.
var BuiltinCustomKinds = []CustomKind{
	{
		// RolloutSpec mirrors DeploymentSpec; ValidateRolloutSpec checks the template
		// with ValidatePodTemplateSpecForReplicaSet (restartPolicy Always, selector
		// matching the labels, no activeDeadlineSeconds) and progressDeadlineSeconds
		// against minReadySeconds. A Rollout with workloadRef has no template.
		Group: "argoproj.io", Kind: "Rollout", Source: "argoproj/argo-rollouts v1.9.1",
		Templates: []TemplateSite{{Path: "spec.template", As: "Deployment",
			Siblings: []string{"replicas", "selector", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"}}},
	},
	{
		// ScaledJobSpec.jobTargetRef is a batch/v1 JobSpec; the operator creates
		// one Job from it per scaling decision.
		Group: "keda.sh", Kind: "ScaledJob", Source: "kedacore/keda v2.20.2",
		Templates: []TemplateSite{{Path: "spec.jobTargetRef", As: "Job", JobSpec: true}},
	},
	{
		// The CloneSet webhook checks the selector against the template's labels,
		// restartPolicy Always and no activeDeadlineSeconds, and validates the
		// template with the volumeClaimTemplates appended as volumes.
		Group: "apps.kruise.io", Kind: "CloneSet", Source: "openkruise/kruise v1.9.0",
		Templates: []TemplateSite{{Path: "spec.template", As: "Deployment", ClaimVolumes: true,
			Siblings: []string{"replicas", "selector", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"}}},
	},
	{
		// Advanced StatefulSet (apps.kruise.io/v1beta1, also v1alpha1): a StatefulSet's
		// spec with richer update strategies, which are not compared.
		Group: "apps.kruise.io", Kind: "StatefulSet", Source: "openkruise/kruise v1.9.0",
		Templates: []TemplateSite{{Path: "spec.template", As: "StatefulSet",
			Siblings: []string{"replicas", "selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy", "revisionHistoryLimit", "minReadySeconds"}}},
	},
	{
		// Advanced DaemonSet: the webhook validates the template as a DaemonSet's
		// (restartPolicy Always, selector matching the labels).
		Group: "apps.kruise.io", Kind: "DaemonSet", Source: "openkruise/kruise v1.9.0",
		Templates: []TemplateSite{{Path: "spec.template", As: "DaemonSet",
			Siblings: []string{"selector", "minReadySeconds", "revisionHistoryLimit"}}},
	},
	// Kubeflow training jobs: each replica type's template becomes that many Pods,
	// created by the operator directly; it sets their restartPolicy from the
	// replica spec's (ExitCode meaning Never), so the template is a PodTemplate.
	kubeflow("PyTorchJob", "pytorchReplicaSpecs"),
	kubeflow("TFJob", "tfReplicaSpecs"),
	kubeflow("MPIJob", "mpiReplicaSpecs"),
	kubeflow("XGBoostJob", "xgbReplicaSpecs"),
	kubeflow("PaddleJob", "paddleReplicaSpecs"),
	kubeflow("JAXJob", "jaxReplicaSpecs"),
	{
		// KubeRay creates the head and worker Pods directly from their templates.
		Group: "ray.io", Kind: "RayCluster", Source: "ray-project/kuberay v1.7.0",
		Templates: rayCluster("spec"),
	},
	{
		// A RayJob's cluster, and its submitter Pod template, which becomes the
		// template of a batch/v1 Job (K8sJobMode).
		Group: "ray.io", Kind: "RayJob", Source: "ray-project/kuberay v1.7.0",
		Templates: append(rayCluster("spec.rayClusterSpec"), TemplateSite{Path: "spec.submitterPodTemplate", As: "Job"}),
	},
	{
		Group: "ray.io", Kind: "RayService", Source: "ray-project/kuberay v1.7.0",
		Templates: rayCluster("spec.rayClusterConfig"),
	},
	{
		// The Volcano admission webhook validates each task's template as a core
		// PodTemplate (validateTaskTemplate); the job controller creates the Pods.
		Group: "batch.volcano.sh", Kind: "Job", Source: "volcano-sh/volcano v1.15.1",
		Templates: []TemplateSite{{Path: "spec.tasks[*].template", As: "PodTemplate"}},
	},
}

func kubeflow(kind, field string) CustomKind {
	return CustomKind{Group: "kubeflow.org", Kind: kind, Source: "kubeflow/training-operator v1.9.0",
		Templates: []TemplateSite{{Path: "spec." + field + ".*.template", As: "PodTemplate"}}}
}

func rayCluster(spec string) []TemplateSite {
	return []TemplateSite{
		{Path: spec + ".headGroupSpec.template", As: "PodTemplate"},
		{Path: spec + ".workerGroupSpecs[*].template", As: "PodTemplate"},
	}
}
