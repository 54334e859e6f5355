module example.com/m

go 1.22.1

toolchain go1.22.5

require (
	github.com/a/b v1.0.0 // indirect; reason
	"github.com/c/d" v0.1.0
)

exclude github.com/x/y v1.0.0
retract v0.0.1
