package keras

import (
	"bufio"
	"embed"
	"strings"
	"sync"
)

//go:embed data/keras-classes.txt data/extra-classes.txt
var dataFS embed.FS

// builtins is the list of objects Keras and tf.keras serialize themselves.
type builtins struct {
	pairs map[string]bool // "module\tname"
	names map[string]bool // every name, whatever its module
	funcs map[string]bool // names of built-in functions (activations, losses, ...)
}

var (
	builtinOnce sync.Once
	builtinList *builtins
)

// builtinObjects returns the embedded list, read once.
func builtinObjects() *builtins {
	builtinOnce.Do(func() {
		bl := &builtins{pairs: map[string]bool{}, names: map[string]bool{}, funcs: map[string]bool{}}
		for _, file := range []string{"data/keras-classes.txt", "data/extra-classes.txt"} {
			bl.read(file)
		}
		builtinList = bl
	})
	return builtinList
}

func (bl *builtins) read(file string) {
	f, err := dataFS.Open(file)
	if err != nil {
		panic("keras: embedded data missing: " + err.Error())
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## [") {
			section, _, _ = strings.Cut(strings.TrimPrefix(line, "## ["), "]")
			continue
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		mod, name, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		mod, name = strings.TrimSpace(mod), strings.TrimSpace(name)
		if name == "" {
			continue
		}
		bl.names[name] = true
		if mod != "" {
			bl.pairs[mod+"\t"+name] = true
		}
		if strings.HasSuffix(section, "functions") {
			bl.funcs[name] = true
		}
	}
	if err := sc.Err(); err != nil {
		panic("keras: embedded data unreadable: " + err.Error())
	}
}

// isPair reports whether module.name is a listed built-in.
func (bl *builtins) isPair(module, name string) bool { return bl.pairs[module+"\t"+name] }

// specialClassNames are the class_name values Keras serialization writes
// for values that are not objects (keras/src/saving/serialization_lib.py
// and tf.keras json_utils).
var specialClassNames = map[string]bool{
	"__keras_tensor__": true, "__tensor__": true, "__numpy__": true, "__bytes__": true, "__slice__": true,
	"__ellipsis__": true, "__typespec__": true, "__tuple__": true, "TensorShape": true, "TypeSpec": true,
}

// kerasFamily reports whether a module belongs to Keras or TensorFlow
// themselves (the packages whose objects are listed as built-ins).
func kerasFamily(module string) bool {
	top, _, _ := strings.Cut(module, ".")
	switch top {
	case "keras", "tf_keras", "tensorflow", "tf":
		return true
	}
	return false
}

// ecosystemPackages are libraries of the Keras team whose classes Keras 3's
// safe mode imports (keras_hub, keras_nlp, keras_cv), plus the
// registration package of TensorFlow Addons. Their classes need the
// library installed; they are reported as a note.
var ecosystemPackages = map[string]bool{
	"keras_hub": true, "keras_nlp": true, "keras_cv": true, "tensorflow_addons": true, "Addons": true,
}

// ecosystem reports whether a module or a registered-name package is one
// of ecosystemPackages.
func ecosystem(module string) bool {
	top, _, _ := strings.Cut(module, ".")
	return ecosystemPackages[top]
}
