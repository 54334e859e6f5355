// A three-part go line (1.16.1) is below 1.17 too: Trivy drops the indirect requirements.
module example.com/m

go 1.16.1

require (
	github.com/a/b v1.0.0 // indirect
	github.com/e/f v0.1.0
)
