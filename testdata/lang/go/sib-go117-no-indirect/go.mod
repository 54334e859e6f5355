module github.com/org/repo

go 1.17

require github.com/aquasecurity/go-dep-parser v0.0.0-20211110174639-8257534ffed3
