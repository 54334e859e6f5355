# Built-in Dockerfile checks, one package per check (the file is split at `package` lines).
# Ids, titles and messages follow Trivy's checks of the same id so reports read the same.

package builtin.dockerfile.DS001

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS001",
	"avd_id": "AVD-DS-0001",
	"title": "':latest' tag used",
	"severity": "MEDIUM",
	"description": "When using a 'FROM' statement you should use a specific tag to avoid uncontrolled behavior when the image is updated.",
	"recommended_actions": "Add a tag to the image in the 'FROM' statement",
	"url": "https://avd.aquasec.com/misconfig/ds-0001",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

# Earlier stages, which a FROM may name without a tag.
aliases contains lower(c.Value[2]) if {
	some c in docker.from
	count(c.Value) == 3
	lower(c.Value[1]) == "as"
}

tag(img) := t if {
	last := regex.split(`/`, img)[count(regex.split(`/`, img)) - 1]
	parts := split(last, ":")
	count(parts) == 2
	t := parts[1]
} else := ""

deny contains res if {
	some c in docker.from
	img := c.Value[0]
	img != "scratch"
	not aliases[lower(img)]
	not contains(img, "@")
	not contains(img, "$")
	tag(img) in {"", "latest"}
	res := result.new(sprintf("Specify a tag in the 'FROM' statement for image '%s'", [img]), c)
}

package builtin.dockerfile.DS002

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS002",
	"avd_id": "AVD-DS-0002",
	"title": "Image user should not be 'root'",
	"severity": "HIGH",
	"description": "Running containers with 'root' user can lead to a container escape situation. It is a best practice to run containers as non-root users, which can be done by adding a 'USER' statement to the Dockerfile.",
	"recommended_actions": "Add 'USER <non root user name>' line to the Dockerfile",
	"url": "https://avd.aquasec.com/misconfig/ds-0002",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

users := [c | some c in docker.last_stage_commands; c.Cmd == "user"]

deny contains "Specify at least 1 USER command in Dockerfile with non-root user as argument" if {
	count(users) == 0
}

deny contains res if {
	count(users) > 0
	last := users[count(users) - 1]
	split(last.Value[0], ":")[0] in {"root", "0"}
	res := result.new("Last USER command in Dockerfile should not be 'root'", last)
}

package builtin.dockerfile.DS004

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS004",
	"avd_id": "AVD-DS-0004",
	"title": "Port 22 exposed",
	"severity": "MEDIUM",
	"description": "Exposing port 22 might allow users to SSH into the container.",
	"recommended_actions": "Remove 'EXPOSE 22' statement from the Dockerfile",
	"url": "https://avd.aquasec.com/misconfig/ds-0004",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.expose
	some v in c.Value
	regex.match(`^(map\[)?22(/tcp)?(:\{\}\])?$`, v)
	res := result.new("Port 22 should not be exposed in Dockerfile", c)
}

package builtin.dockerfile.DS005

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS005",
	"avd_id": "AVD-DS-0005",
	"title": "ADD instead of COPY",
	"severity": "LOW",
	"description": "You should use COPY instead of ADD unless you want to extract a tar file. Note that an ADD command will extract a tar file, which adds the risk of Zip-based vulnerabilities. Accordingly, it is advised to use a COPY command, which does not extract tar files.",
	"recommended_actions": "Use COPY instead of ADD",
	"url": "https://avd.aquasec.com/misconfig/ds-0005",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

archive(src) if regex.match(`\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|gz|bz2|xz|zst)$`, src)

deny contains res if {
	some c in docker.add
	count(c.Value) >= 2
	srcs := array.slice(c.Value, 0, count(c.Value) - 1)
	some src in srcs
	not archive(src)
	not regex.match(`^(https?|git)://`, src)
	not startswith(src, "file:")
	args := concat(" ", c.Value)
	res := result.new(sprintf("Consider using 'COPY %s' command instead of 'ADD %s'", [args, args]), c)
}

package builtin.dockerfile.DS010

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS010",
	"avd_id": "AVD-DS-0010",
	"title": "RUN using 'sudo'",
	"severity": "CRITICAL",
	"description": "Avoid using 'RUN' with 'sudo' commands, as it can lead to unpredictable behavior.",
	"recommended_actions": "Don't use sudo",
	"url": "https://avd.aquasec.com/misconfig/ds-0010",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.run
	some p in docker.run_parts(c)
	regex.match(`^sudo(\s|$)`, p)
	res := result.new("Using 'sudo' in Dockerfile should be avoided", c)
}

package builtin.dockerfile.DS013

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS013",
	"avd_id": "AVD-DS-0013",
	"title": "'RUN cd ...' to change directory",
	"severity": "MEDIUM",
	"description": "Use WORKDIR instead of proliferating instructions like 'RUN cd … && do-something', which are hard to read, troubleshoot, and maintain.",
	"recommended_actions": "Use WORKDIR to change directory",
	"url": "https://avd.aquasec.com/misconfig/ds-0013",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.run
	parts := docker.run_parts(c)
	regex.match(`^cd\s+\S+$`, parts[0])
	res := result.new(sprintf("RUN should not be used to change directory: '%s'. Use 'WORKDIR' statement instead.", [docker.run_text(c)]), c)
}

package builtin.dockerfile.DS016

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS016",
	"avd_id": "AVD-DS-0016",
	"title": "Multiple CMD instructions listed",
	"severity": "HIGH",
	"description": "There can only be one CMD instruction in a Dockerfile. If you list more than one CMD then only the last CMD will take effect.",
	"recommended_actions": "Dockerfile should only have one CMD instruction. Remove all the other CMD instructions",
	"url": "https://avd.aquasec.com/misconfig/ds-0016",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some s in input.Stages
	cmds := [c | some c in s.Commands; c.Cmd == "cmd"]
	count(cmds) > 1
	res := result.new(sprintf("There are %d duplicate CMD instructions", [count(cmds)]), cmds[1])
}

package builtin.dockerfile.DS017

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS017",
	"avd_id": "AVD-DS-0017",
	"title": "'RUN <package-manager> update' instruction alone",
	"severity": "HIGH",
	"description": "The instruction 'RUN <package-manager> update' should always be followed by '<package-manager> install' in the same RUN statement.",
	"recommended_actions": "Combine '<package-manager> update' and '<package-manager> install' instructions to single one",
	"url": "https://avd.aquasec.com/misconfig/ds-0017",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

update_re := `^(apt-get|apt|yum|dnf|apk|zypper)\s+(-\S+\s+)*(update|upgrade|makecache)`

install_re := `^(apt-get|apt|yum|dnf|apk|zypper)\s+(-\S+\s+)*(install|add|in)\b`

deny contains res if {
	some c in docker.run
	parts := docker.run_parts(c)
	some p in parts
	regex.match(update_re, p)
	not any_install(parts)
	res := result.new("The instruction 'RUN <package-manager> update' should always be followed by '<package-manager> install' in the same RUN statement.", c)
}

any_install(parts) if {
	some p in parts
	regex.match(install_re, p)
}

package builtin.dockerfile.DS021

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS021",
	"avd_id": "AVD-DS-0021",
	"title": "'apt-get' missing '-y' to avoid manual input",
	"severity": "HIGH",
	"description": "'apt-get' calls should use the flag '-y' to avoid manual user input.",
	"recommended_actions": "Add '-y' flag to 'apt-get'",
	"url": "https://avd.aquasec.com/misconfig/ds-0021",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.run
	some p in docker.run_parts(c)
	regex.match(`^(sudo\s+)?apt-get\s+(.*\s)?install\b`, p)
	not regex.match(`(^|\s)(-[a-zA-Z]*y[a-zA-Z]*|--yes|--assume-yes|-qq)(\s|$)`, p)
	res := result.new(sprintf("'-y' flag is missed: '%s'", [docker.run_text(c)]), c)
}

package builtin.dockerfile.DS025

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS025",
	"avd_id": "AVD-DS-0025",
	"title": "'apk add' is missing '--no-cache'",
	"severity": "HIGH",
	"description": "You should use 'apk add' with '--no-cache' to clean package cached data and reduce image size.",
	"recommended_actions": "Add '--no-cache' to 'apk add' in Dockerfile",
	"url": "https://avd.aquasec.com/misconfig/ds-0025",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.run
	some p in docker.run_parts(c)
	regex.match(`^(sudo\s+)?apk\s+(.*\s)?add\b`, p)
	not contains(p, "--no-cache")
	res := result.new(sprintf("'--no-cache' is missed: %s", [docker.run_text(c)]), c)
}

package builtin.dockerfile.DS026

import rego.v1

__rego_metadata__ := {
	"id": "DS026",
	"avd_id": "AVD-DS-0026",
	"title": "No HEALTHCHECK defined",
	"severity": "LOW",
	"description": "You should add HEALTHCHECK instruction in your docker container images to perform the health check on running containers.",
	"recommended_actions": "Add HEALTHCHECK instruction in Dockerfile",
	"url": "https://avd.aquasec.com/misconfig/ds-0026",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains "Add HEALTHCHECK instruction in your Dockerfile" if {
	count([c | some s in input.Stages; some c in s.Commands; c.Cmd == "healthcheck"]) == 0
}

package builtin.dockerfile.DS029

import data.lib.docker
import rego.v1

__rego_metadata__ := {
	"id": "DS029",
	"avd_id": "AVD-DS-0029",
	"title": "'apt-get' missing '--no-install-recommends'",
	"severity": "HIGH",
	"description": "'apt-get' install should use '--no-install-recommends' to minimize image size.",
	"recommended_actions": "Add '--no-install-recommends' flag to 'apt-get'",
	"url": "https://avd.aquasec.com/misconfig/ds-0029",
}

__rego_input__ := {"selector": [{"type": "dockerfile"}]}

deny contains res if {
	some c in docker.run
	some p in docker.run_parts(c)
	regex.match(`^(sudo\s+)?apt-get\s+(.*\s)?install\b`, p)
	not contains(p, "--no-install-recommends")
	res := result.new(sprintf("'--no-install-recommends' flag is missed: '%s'", [docker.run_text(c)]), c)
}
