package hfconfig

// What a Hugging Face config makes the loader run: the class references of
// auto_map and custom_pipelines (transformers) and the custom pipeline and
// components of a diffusers model_index.json.

import (
	"fmt"
	"path"
	"strings"
)

// Kinds of Reference.
const (
	KindAutoMap        = "auto_map"         // transformers auto_map entry
	KindCustomPipeline = "custom_pipelines" // transformers custom_pipelines[task].impl
	KindDiffusersClass = "_class_name"      // diffusers [module, Class] pipeline
	KindComponent      = "component"        // diffusers component [library, Class]
)

// Reference is one piece of code a config makes its loader import.
type Reference struct {
	Kind  string // one of the Kind constants
	Entry string // where: `auto_map["AutoModel"]`, `"unet"` (a component)
	Value string // the reference as written
	// Repo is the repository the code comes from when the reference names
	// another one (org/repo--module.Class, a repository id as diffusers
	// pipeline); empty for code of the model's own repository.
	Repo string
	// File is the Python file the loader imports, relative to the config's
	// directory ("modeling_phi.py", "unet/my_unet.py"); for a component it
	// is where diffusers looks for custom code (an installed module of that
	// name is used otherwise).
	File  string
	Class string
}

// parseClassRef reads a transformers class reference: "module.Class" or
// "org/repo--module.Class". transformers splits at "--" and then at the
// only dot; anything else fails to load, but is still reported (as
// written) since the intent is to run code.
func parseClassRef(kind, entry, v string) Reference {
	r := Reference{Kind: kind, Entry: entry, Value: v}
	ref := v
	if repo, rest, ok := strings.Cut(v, "--"); ok {
		r.Repo, ref = repo, rest
	}
	mod, class, _ := strings.Cut(ref, ".")
	r.Class = class
	if mod != "" {
		r.File = mod + ".py"
	}
	return r
}

// Module returns the module name of the reference's file ("modeling_phi").
func (r Reference) Module() string {
	if r.File == "" {
		return ""
	}
	return strings.TrimSuffix(path.Base(r.File), ".py")
}

// evidence renders the entry as the config writes it.
func (r Reference) evidence() string {
	if r.Kind == KindDiffusersClass || r.Kind == KindComponent {
		return r.Entry + ": " + r.Value // the JSON value, as written
	}
	return fmt.Sprintf("%s = %q", r.Entry, r.Value)
}

// knownLibraries are the component libraries of diffusers pipelines whose
// classes come from installed packages: diffusers' LOADABLE_CLASSES and
// the pipeline subpackages of diffusers that define component classes.
var knownLibraries = map[string]bool{
	"diffusers": true, "transformers": true, "onnxruntime.training": true,
	// diffusers.pipelines subpackages that ship component classes
	"stable_diffusion": true, "stable_diffusion_safe": true, "stable_diffusion_xl": true, "deepfloyd_if": true,
	"paint_by_example": true, "audioldm2": true, "stable_audio": true, "unidiffuser": true, "wuerstchen": true,
	"stable_cascade": true, "kandinsky": true, "kandinsky2_2": true, "kandinsky3": true, "shap_e": true,
	"blip_diffusion": true, "versatile_diffusion": true, "latent_diffusion": true, "alt_diffusion": true,
	"deprecated": true, "spectrogram_diffusion": true, "vq_diffusion": true, "flux": true, "musicldm": true,
	"i2vgen_xl": true, "controlnet": true, "controlnet_xs": true, "pag": true, "ledits_pp": true,
	"semantic_stable_diffusion": true, "stable_video_diffusion": true, "animatediff": true, "pia": true,
	"text_to_video_synthesis": true, "unclip": true, "marigold": true, "lumina": true, "hunyuandit": true,
	"ace_step": true, "ideogram4": true, "cosmos": true, "audioldm": true, "amused": true,
}
