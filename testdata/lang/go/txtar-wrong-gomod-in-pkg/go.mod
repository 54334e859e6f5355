module github.com/org/repo

go 1.17

require github.com/sad/sad v0.0.1
