# Helpers for Kubernetes checks: the workload's pod spec, containers and volumes, whatever
# the kind (Pod, the controllers with a pod template, CronJob).
package lib.kubernetes

import rego.v1

kind := input.kind

name := object.get(input.metadata, "name", "")

default namespace := "default"

namespace := input.metadata.namespace

template_kinds := {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"}

pod_spec := input.spec if kind == "Pod"

pod_spec := input.spec.template.spec if kind in template_kinds

pod_spec := input.spec.jobTemplate.spec.template.spec if kind == "CronJob"

containers contains c if {
	some c in pod_spec.containers
}

containers contains c if {
	some c in pod_spec.initContainers
}

containers contains c if {
	some c in pod_spec.ephemeralContainers
}

volumes contains v if {
	some v in pod_spec.volumes
}

is_workload if pod_spec

# The object whose lines a pod-level finding points at.
default spec_cause := {}

spec_cause := pod_spec

drops_all(c) if {
	some d in c.securityContext.capabilities.drop
	upper(d) == "ALL"
}

adds(c, cap) if {
	some a in c.securityContext.capabilities.add
	upper(a) == cap
}

non_root(c) if c.securityContext.runAsNonRoot == true

non_root(c) if {
	not c.securityContext.runAsNonRoot == false
	pod_spec.securityContext.runAsNonRoot == true
}

latest_or_untagged(img) if {
	not contains(img, "@")
	last := regex.split(`/`, img)[count(regex.split(`/`, img)) - 1]
	not contains(last, ":")
}

latest_or_untagged(img) if {
	not contains(img, "@")
	endswith(img, ":latest")
}
