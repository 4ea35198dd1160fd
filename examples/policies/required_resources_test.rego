package podlint.policies.required_resources_test

import data.podlint.policies.required_resources

deployment(containers) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": containers}}}}

full := {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}

test_complete if {
	count(required_resources.deny) == 0 with input as deployment([{"name": "a", "image": "x", "resources": full}])
}

test_missing_everything if {
	count(required_resources.deny) == 3 with input as deployment([{"name": "a", "image": "x"}])
}

test_missing_limit_path if {
	c := {"name": "a", "image": "x", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}
	some f in required_resources.deny with input as deployment([c])
	f.path == ["spec", "template", "spec", "containers", 0, "resources", "limits", "memory"]
}

test_plain_init_container_exempt if {
	obj := json.patch(deployment([{"name": "a", "image": "x", "resources": full}]), [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [{"name": "i", "image": "x"}]}])
	count(required_resources.deny) == 0 with input as obj
}

test_sidecar_checked if {
	obj := json.patch(deployment([{"name": "a", "image": "x", "resources": full}]), [{"op": "add", "path": "/spec/template/spec/initContainers", "value": [{"name": "log", "image": "x", "restartPolicy": "Always"}]}])
	count(required_resources.deny) == 3 with input as obj
}
