package pysrc

// Function scopes, from indentation: the body of a def holds the lines
// after it that are indented deeper than the def. Only the innermost
// function name is needed, to recognise the save hooks of model code.

// saveHooks are methods the Hugging Face libraries call when a model,
// config or tokenizer is saved, never when it is loaded. Writing files is
// their job (save_vocabulary writes the vocabulary), so file writes in
// them are notes, not findings of load-time behaviour.
var saveHooks = NameSet("save_vocabulary save_pretrained _save_pretrained save_model _save to_json_file save_config")

// enclosingDefs returns, for each token index of at (ascending), the name
// of the innermost function whose body holds that token ("" outside any
// function). A logical line that starts at a column not deeper than an
// open def closes it.
func enclosingDefs(toks []Token, at []int) []string {
	type def struct {
		name string
		col  int
	}
	var stack []def
	out := make([]string, len(at))
	k := 0
	for i, t := range toks {
		if i == 0 || toks[i-1].Kind == TokNewline && toks[i-1].Line < t.Line {
			for len(stack) > 0 && stack[len(stack)-1].col >= t.Col {
				stack = stack[:len(stack)-1]
			}
			j := i
			if t.Kind == TokName && t.Text == "async" && j+1 < len(toks) {
				j++
			}
			if toks[j].Kind == TokName && toks[j].Text == "def" && j+1 < len(toks) && toks[j+1].Kind == TokName {
				stack = append(stack, def{toks[j+1].Text, t.Col})
			}
		}
		for ; k < len(at) && at[k] <= i; k++ {
			if len(stack) > 0 {
				out[k] = stack[len(stack)-1].name
			}
		}
	}
	return out
}
