module github.com/org/repo

go 1.17

require github.com/aquasecurity/go-dep-parser v0.0.1

require golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
