module example.com/m

go 1.21

require github.com/a/b 1.0
