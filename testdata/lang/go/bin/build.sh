#!/bin/sh
# How bin/*.gz were built (Debian golang-go 1.19.8, offline: a file GOPROXY made by mkproxy.py).
set -e
W=$(mktemp -d); cd "$W"
python3 - <<'PY'
import zipfile, os, json
def mod(path, ver, src):
    d = f"proxy/{path}/@v"; os.makedirs(d, exist_ok=True)
    open(f"{d}/{ver}.info", "w").write(json.dumps({"Version": ver, "Time": "2024-01-01T00:00:00Z"}))
    open(f"{d}/{ver}.mod", "w").write(f"module {path}\n\ngo 1.18\n")
    with zipfile.ZipFile(f"{d}/{ver}.zip", "w") as z:
        z.writestr(f"{path}@{ver}/go.mod", f"module {path}\n\ngo 1.18\n")
        z.writestr(f"{path}@{ver}/lib.go", src)
    open(f"{d}/list", "a").write(ver + "\n")
mod("example.org/greet", "v1.2.3", "package greet\n\nfunc Hello() string { return \"hello\" }\n")
mod("example.org/greetfork", "v1.4.0", "package greet\n\nfunc Hello() string { return \"hello fork\" }\n")
mod("example.org/colors", "v0.3.0", "package colors\n\nfunc Red() string { return \"red\" }\n")
PY
mkdir -p app/local && cd app
printf 'module example.com/hello\n\ngo 1.19\n\nrequire (\n\texample.org/colors v0.3.0\n\texample.org/greet v1.2.3\n\texample.org/local v0.0.0\n)\n\nreplace example.org/greet v1.2.3 => example.org/greetfork v1.4.0\n\nreplace example.org/local => ./local\n' > go.mod
printf 'module example.org/local\n\ngo 1.19\n' > local/go.mod
printf 'package local\n\nfunc Name() string { return "local" }\n' > local/l.go
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"example.org/colors"\n\t"example.org/greet"\n\t"example.org/local"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println(greet.Hello(), colors.Red(), local.Name(), version) }\n' > main.go
export GOPROXY=file://$W/proxy GOSUMDB=off GOFLAGS=-mod=mod GOPATH=$W/gopath GOCACHE=$W/gocache
go mod tidy
go build -ldflags "-s -w -X main.version=1.2.3" -o ../hello-go119-stripped-ldflags .
go build -trimpath -ldflags "-w -X main.version=v2.0.1" -o ../hello-go119-trimpath-xver .
GOOS=windows go build -ldflags "-s -w" -o ../hello-go119.exe .
GOOS=darwin go build -ldflags "-s -w" -o ../hello-go119.macho .
echo "built in $W"
