module github.com/org/repo

go 1.16

require github.com/aquasecurity/go-dep-parser v0.0.0-20211110174639-8257534ffed3
require github.com/x/y v0.5.0 // indirect
