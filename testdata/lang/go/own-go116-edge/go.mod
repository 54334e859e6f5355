module "example.com/quoted"

go 1.16

require (
	github.com/a/b v1.0.0 // indirect
	github.com/c/d v2.0.0+incompatible
	github.com/e/f v0.1.0
	github.com/g/h v1.0.0
)

require github.com/i/j v1.2.3 // indirect

replace github.com/e/f => github.com/e/f2 v0.2.0

replace github.com/g/h v1.0.1 => github.com/g/h2 v1.0.2

replace (
	github.com/a/b => ../b
	github.com/c/d v2.0.0+incompatible => ./d
)
