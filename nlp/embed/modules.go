package embed

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/masx-ai/masx/model/onnx"
)

// stModule is one entry of a sentence-transformers folder's modules.json.
type stModule struct {
	Path string `json:"path"`
	Type string `json:"type"`
}

// The module types masx runs: the transformer is the ONNX graph, pooling
// and normalisation are done here. Anything else (Dense layers as in LaBSE,
// for instance) would change the vectors, so it is refused by name.
const (
	stTransformer = "sentence_transformers.models.Transformer"
	stPooling     = "sentence_transformers.models.Pooling"
	stNormalize   = "sentence_transformers.models.Normalize"
)

// readModules resolves Pooling and Normalize from the folder as
// sentence-transformers does: modules.json lists the modules in order; the
// Pooling module's folder holds its config.json. Without modules.json,
// 1_Pooling/config.json (when present) and normalisation on.
func (c *Config) readModules() error {
	var mods []stModule
	found, err := readJSON(filepath.Join(c.Dir, "modules.json"), &mods)
	if err != nil {
		return err
	}
	poolDir, normalize := "1_Pooling", true
	if found {
		poolDir, normalize = "", false
		for i, m := range mods {
			switch m.Type {
			case stTransformer:
			case stPooling:
				if !filepath.IsLocal(m.Path) {
					return fmt.Errorf("%w: %s: modules.json entry %d: Pooling path %q leaves the model folder", onnx.ErrInvalidModel, c.Dir, i, m.Path)
				}
				poolDir = m.Path
			case stNormalize:
				normalize = true
			default:
				return fmt.Errorf("%w: %s: modules.json entry %d is a %s module (%s), which masx does not run; want only Transformer, Pooling and Normalize",
					onnx.ErrInvalidModel, c.Dir, i, m.Type, m.Path)
			}
		}
	}
	if c.Normalize == NormalizeAuto {
		c.Normalize = NormalizeOff
		if normalize {
			c.Normalize = NormalizeOn
		}
	}
	if c.Pooling != "" {
		return nil
	}
	c.Pooling = PoolMean
	if poolDir == "" {
		return nil // modules.json without Pooling: the graph's output is taken as is, mean over one state
	}
	return c.readPooling(poolDir)
}

// readPooling reads a Pooling module's config.json.
func (c *Config) readPooling(dir string) error {
	var pc map[string]any
	path := filepath.Join(c.Dir, dir, "config.json")
	found, err := readJSON(path, &pc)
	if err != nil || !found {
		return err
	}
	modes := map[string]string{"pooling_mode_cls_token": PoolCLS, "pooling_mode_mean_tokens": PoolMean, "pooling_mode_max_tokens": PoolMax,
		"pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken"}
	var on []string
	for key, mode := range modes {
		if v, ok := pc[key].(bool); ok && v {
			on = append(on, mode)
		}
	}
	slices.Sort(on)
	switch {
	case len(on) == 0:
		return nil // sentence-transformers' default: mean
	case len(on) > 1:
		return fmt.Errorf("%w: %s asks for pooling %s at once (concatenated); masx runs one of mean, cls, max", onnx.ErrInvalidModel, path, strings.Join(on, " + "))
	case on[0] != PoolMean && on[0] != PoolCLS && on[0] != PoolMax:
		return fmt.Errorf("%w: %s asks for %s pooling; masx runs mean, cls or max", onnx.ErrInvalidModel, path, on[0])
	}
	c.Pooling = on[0]
	return nil
}

// readPrompt resolves Prefix from PromptName or the folder's default
// prompt.
func (c *Config) readPrompt() error {
	if c.Prefix != "" {
		return nil
	}
	var st struct {
		Prompts map[string]string `json:"prompts"`
		Default string            `json:"default_prompt_name"`
	}
	path := filepath.Join(c.Dir, "config_sentence_transformers.json")
	if _, err := readJSON(path, &st); err != nil {
		return err
	}
	name := c.PromptName
	if name == "" {
		name = st.Default
	}
	if name == "" {
		return nil
	}
	p, ok := st.Prompts[name]
	if !ok {
		names := make([]string, 0, len(st.Prompts))
		for k := range st.Prompts {
			names = append(names, fmt.Sprintf("%q", k))
		}
		slices.Sort(names)
		have := "no prompts"
		if len(names) > 0 {
			have = "prompts " + strings.Join(names, ", ")
		}
		return fmt.Errorf("%w: prompt %q is not in %s, which has %s", onnx.ErrInvalidModel, name, path, have)
	}
	c.Prefix = p
	return nil
}
