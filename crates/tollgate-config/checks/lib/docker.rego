# Helpers for Dockerfile checks.
package lib.docker

import rego.v1

from contains c if {
	some s in input.Stages
	some c in s.Commands
	c.Cmd == "from"
}

run contains c if {
	some s in input.Stages
	some c in s.Commands
	c.Cmd == "run"
}

add contains c if {
	some s in input.Stages
	some c in s.Commands
	c.Cmd == "add"
}

expose contains c if {
	some s in input.Stages
	some c in s.Commands
	c.Cmd == "expose"
}

# Commands of the last stage (the image that ships).
last_stage_commands := input.Stages[count(input.Stages) - 1].Commands

# The shell command of a RUN, whatever its form.
run_text(c) := concat(" ", c.Value)

# Each `&&` / `;` separated part of a RUN.
run_parts(c) := [trim_space(p) | some p in regex.split(`&&|;|\|\|`, run_text(c))]
