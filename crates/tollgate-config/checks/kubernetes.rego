# Built-in Kubernetes checks, one package per check (the file is split at `package` lines).
# Ids, titles and messages follow Trivy's checks of the same id so reports read the same.

package builtin.kubernetes.KSV001

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV001",
	"avd_id": "AVD-KSV-0001",
	"title": "Can elevate its own privileges",
	"severity": "MEDIUM",
	"description": "A program inside the container can elevate its own privileges and run as root, which might give the program control over the container and node.",
	"recommended_actions": "Set 'set containers[].securityContext.allowPrivilegeEscalation' to 'false'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0001",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("Container '%s' of %s '%s' should set 'securityContext.allowPrivilegeEscalation' to false", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV003

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV003",
	"avd_id": "AVD-KSV-0003",
	"title": "Default capabilities: some containers do not drop all",
	"severity": "LOW",
	"description": "The container should drop all default capabilities and add only those that are needed for its execution.",
	"recommended_actions": "Add 'ALL' to containers[].securityContext.capabilities.drop.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0003",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not k8s.drops_all(c)
	msg := sprintf("Container '%s' of %s '%s' should add 'ALL' to 'securityContext.capabilities.drop'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV005

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV005",
	"avd_id": "AVD-KSV-0005",
	"title": "SYS_ADMIN capability added",
	"severity": "HIGH",
	"description": "SYS_ADMIN gives the processes running inside the container privileges that are equivalent to root.",
	"recommended_actions": "Remove the SYS_ADMIN capability from 'containers[].securityContext.capabilities.add'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0005",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	k8s.adds(c, "SYS_ADMIN")
	msg := sprintf("Container '%s' of %s '%s' should not include 'SYS_ADMIN' in 'securityContext.capabilities.add'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV011

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV011",
	"avd_id": "AVD-KSV-0011",
	"title": "CPU not limited",
	"severity": "LOW",
	"description": "Enforcing CPU limits prevents DoS via resource exhaustion.",
	"recommended_actions": "Set a limit value under 'containers[].resources.limits.cpu'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0011",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.resources.limits.cpu
	msg := sprintf("Container '%s' of %s '%s' should set 'resources.limits.cpu'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV012

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV012",
	"avd_id": "AVD-KSV-0012",
	"title": "Runs as root user",
	"severity": "MEDIUM",
	"description": "Force the running image to run as a non-root user to ensure least privileges.",
	"recommended_actions": "Set 'containers[].securityContext.runAsNonRoot' to true.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0012",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not k8s.non_root(c)
	msg := sprintf("Container '%s' of %s '%s' should set 'securityContext.runAsNonRoot' to true", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV013

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV013",
	"avd_id": "AVD-KSV-0013",
	"title": "Image tag ':latest' used",
	"severity": "MEDIUM",
	"description": "It is best to avoid using the ':latest' image tag when deploying containers in production. Doing so makes it hard to track which version of the image is running, and hard to roll back the version.",
	"recommended_actions": "Use a specific container image tag that is not 'latest'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0013",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	k8s.latest_or_untagged(c.image)
	msg := sprintf("Container '%s' of %s '%s' should specify an image tag", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV014

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV014",
	"avd_id": "AVD-KSV-0014",
	"title": "Root file system is not read-only",
	"severity": "HIGH",
	"description": "An immutable root file system prevents applications from writing to their local disk. This can limit intrusions, as attackers will not be able to tamper with the file system or write foreign executables to disk.",
	"recommended_actions": "Change 'containers[].securityContext.readOnlyRootFilesystem' to 'true'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0014",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("Container '%s' of %s '%s' should set 'securityContext.readOnlyRootFilesystem' to true", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV015

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV015",
	"avd_id": "AVD-KSV-0015",
	"title": "CPU requests not specified",
	"severity": "LOW",
	"description": "When containers have resource requests specified, the scheduler can make better decisions about which nodes to place pods on, and how to deal with resource contention.",
	"recommended_actions": "Set 'containers[].resources.requests.cpu'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0015",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.resources.requests.cpu
	msg := sprintf("Container '%s' of %s '%s' should set 'resources.requests.cpu'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV016

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV016",
	"avd_id": "AVD-KSV-0016",
	"title": "Memory requests not specified",
	"severity": "LOW",
	"description": "When containers have memory requests specified, the scheduler can make better decisions about which nodes to place pods on, and how to deal with resource contention.",
	"recommended_actions": "Set 'containers[].resources.requests.memory'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0016",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.resources.requests.memory
	msg := sprintf("Container '%s' of %s '%s' should set 'resources.requests.memory'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV017

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV017",
	"avd_id": "AVD-KSV-0017",
	"title": "Privileged container",
	"severity": "HIGH",
	"description": "Privileged containers share namespaces with the host system and do not offer any security. They should be used exclusively for system containers that require high privileges.",
	"recommended_actions": "Change 'containers[].securityContext.privileged' to 'false'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0017",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	c.securityContext.privileged == true
	msg := sprintf("Container '%s' of %s '%s' should set 'securityContext.privileged' to false", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV018

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV018",
	"avd_id": "AVD-KSV-0018",
	"title": "Memory not limited",
	"severity": "LOW",
	"description": "Enforcing memory limits prevents DoS via resource exhaustion.",
	"recommended_actions": "Set a limit value under 'containers[].resources.limits.memory'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0018",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}


deny contains res if {
	some c in k8s.containers
	not c.resources.limits.memory
	msg := sprintf("Container '%s' of %s '%s' should set 'resources.limits.memory'", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}

package builtin.kubernetes.KSV006

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV006",
	"avd_id": "AVD-KSV-0006",
	"title": "hostPath volume mounted with docker.sock",
	"severity": "HIGH",
	"description": "Mounting docker.sock from the host can give the container full root access to the host.",
	"recommended_actions": "Do not specify /var/run/docker.socket in 'spec.template.volumes.hostPath.path'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0006",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	some v in k8s.volumes
	v.hostPath.path == "/var/run/docker.sock"
	msg := sprintf("%s '%s' should not specify '/var/run/docker.socker' in 'spec.template.volumes.hostPath.path'", [k8s.kind, k8s.name])
	res := result.new(msg, k8s.spec_cause)
}

package builtin.kubernetes.KSV008

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV008",
	"avd_id": "AVD-KSV-0008",
	"title": "Access to host IPC namespace",
	"severity": "HIGH",
	"description": "Sharing the host's IPC namespace allows container processes to communicate with processes on the host.",
	"recommended_actions": "Do not set 'spec.template.spec.hostIPC' to true.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0008",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	k8s.pod_spec.hostIPC == true
	msg := sprintf("%s '%s' should not set 'spec.template.spec.hostIPC' to true", [k8s.kind, k8s.name])
	res := result.new(msg, k8s.spec_cause)
}

package builtin.kubernetes.KSV009

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV009",
	"avd_id": "AVD-KSV-0009",
	"title": "Access to host network",
	"severity": "HIGH",
	"description": "Sharing the host's network namespace permits processes in the pod to communicate with processes bound to the host's loopback adapter.",
	"recommended_actions": "Do not set 'spec.template.spec.hostNetwork' to true.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0009",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	k8s.pod_spec.hostNetwork == true
	msg := sprintf("%s '%s' should not set 'spec.template.spec.hostNetwork' to true", [k8s.kind, k8s.name])
	res := result.new(msg, k8s.spec_cause)
}

package builtin.kubernetes.KSV010

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV010",
	"avd_id": "AVD-KSV-0010",
	"title": "Access to host PID",
	"severity": "HIGH",
	"description": "Sharing the host's PID namespace allows visibility on host processes, potentially leaking information such as environment variables and configuration.",
	"recommended_actions": "Do not set 'spec.template.spec.hostPID' to true.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0010",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	k8s.pod_spec.hostPID == true
	msg := sprintf("%s '%s' should not set 'spec.template.spec.hostPID' to true", [k8s.kind, k8s.name])
	res := result.new(msg, k8s.spec_cause)
}

package builtin.kubernetes.KSV023

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV023",
	"avd_id": "AVD-KSV-0023",
	"title": "hostPath volumes mounted",
	"severity": "MEDIUM",
	"description": "According to pod security standard 'HostPath Volumes', HostPath volumes must be forbidden.",
	"recommended_actions": "Do not set 'spec.volumes[*].hostPath'.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0023",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	some v in k8s.volumes
	v.hostPath
	msg := sprintf("%s '%s' should not set 'spec.template.volumes.hostPath'", [k8s.kind, k8s.name])
	res := result.new(msg, k8s.spec_cause)
}

package builtin.kubernetes.KSV030

import data.lib.kubernetes as k8s
import rego.v1

__rego_metadata__ := {
	"id": "KSV030",
	"avd_id": "AVD-KSV-0030",
	"title": "Runtime/Default Seccomp profile not set",
	"severity": "LOW",
	"description": "According to pod security standard 'Seccomp', the RuntimeDefault seccomp profile must be required, or allow specific additional profiles.",
	"recommended_actions": "Set 'spec.securityContext.seccompProfile.type', 'spec.containers[*].securityContext.seccompProfile' and 'spec.initContainers[*].securityContext.seccompProfile' to 'RuntimeDefault' or undefined.",
	"url": "https://avd.aquasec.com/misconfig/ksv-0030",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

pod_default if k8s.pod_spec.securityContext.seccompProfile.type in {"RuntimeDefault", "Localhost"}

deny contains res if {
	some c in k8s.containers
	not pod_default
	not c.securityContext.seccompProfile.type in {"RuntimeDefault", "Localhost"}
	res := result.new("Either Pod or Container should set 'securityContext.seccompProfile.type' to 'RuntimeDefault'", c)
}

package builtin.kubernetes.TG001

import data.lib.kubernetes as k8s
import rego.v1

# Tollgate's own: a tag can be moved to other content; a digest cannot.
__rego_metadata__ := {
	"id": "TG-K8S-001",
	"avd_id": "",
	"title": "Image not pinned by digest",
	"severity": "LOW",
	"description": "An image referenced by tag can change under the same name: what runs is not what was scanned and admitted. Referencing it by digest (image@sha256:...) pins the exact content.",
	"recommended_actions": "Reference images as name@sha256:DIGEST (a tag may stay for readability: name:tag@sha256:DIGEST).",
	"url": "https://kubernetes.io/docs/concepts/containers/images/#image-names",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny contains res if {
	some c in k8s.containers
	not contains(c.image, "@sha256:")
	msg := sprintf("Container '%s' of %s '%s' should reference its image by digest", [c.name, k8s.kind, k8s.name])
	res := result.new(msg, c)
}
