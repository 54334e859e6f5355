module github.com/org/repo

go 1.15

require github.com/aquasecurity/go-dep-parser v0.0.0-20211110174639-8257534ffed3

replace github.com/aquasecurity/go-dep-parser => github.com/aquasecurity/go-dep-parser v0.0.0-20230219131432-590b1dfb6edd
