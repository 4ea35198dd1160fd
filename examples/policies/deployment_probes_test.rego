package podlint.policies.deployment_probes_test

import data.podlint.policies.deployment_probes

probe := {"httpGet": {"path": "/healthz", "port": 8080}}

deployment(c) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [c]}}}}

test_both_probes if {
	count(deployment_probes.deny) == 0 with input as deployment({"name": "a", "image": "x", "readinessProbe": probe, "livenessProbe": probe})
}

test_missing_readiness if {
	some f in deployment_probes.deny with input as deployment({"name": "a", "image": "x", "livenessProbe": probe})
	f.path == ["spec", "template", "spec", "containers", 0]
	contains(f.msg, "readinessProbe")
}

test_only_deployments if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}}
	count(deployment_probes.deny) == 0 with input as job
}
