package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/nlp/summarize/openai"
	"github.com/masx-ai/masx/nlp/translate"
	"github.com/masx-ai/masx/nlp/translate/apertium"
	"github.com/masx-ai/masx/nlp/translate/libretranslate"
)

// Translator and summarizer wiring: MASX_TRANSLATOR, MASX_SUMMARIZER and
// their keys, mapped onto the backends' Configs. A part of wiring.go kept
// in its own file.

// errONNXTranslatorNotBuilt is newONNXTranslator's answer until the
// seq2seq engine (model/seq2seq) is wired in.
var errONNXTranslatorNotBuilt = errors.New("onnx translator not built yet")

// newONNXTranslator builds the onnx:<dir> translator on the inference
// runtime. It is the hook the ONNX seq2seq engine fills: replace this body
// with the engine's constructor (model dir, rt, the settings' batching
// and FP16), returning a translate.Translator whose language tokens come
// from translate.FLORES200 and translate.M2M100Token. rt is nil when
// `masx translate` and `masx doctor` call it; the engine then starts a
// runtime of its own (runtimeConfig) and stops it when done.
func newONNXTranslator(_ *config.Settings, _ *inference.Runtime, dir string) (translate.Translator, error) {
	return nil, fmt.Errorf("MASX_TRANSLATOR=onnx:%s: %w", dir, errONNXTranslatorNotBuilt)
}

// translatorSpec splits a MASX_TRANSLATOR value into its backend and
// argument, or returns a usage error naming the setting.
func translatorSpec(s *config.Settings) (kind, arg string, err error) {
	v := strings.TrimSpace(s.Translator)
	if v == "" || v == "none" {
		return "none", "", nil
	}
	kind, arg, ok := strings.Cut(v, ":")
	switch {
	case ok && arg != "" && (kind == apertium.Name || kind == libretranslate.Name || kind == "onnx"):
		return kind, arg, nil
	}
	return "", "", AsUsage(&config.Error{Var: "MASX_TRANSLATOR", Value: s.Translator, Source: s.Source("MASX_TRANSLATOR"),
		Want: "none, apertium:<url>, libretranslate:<url> or onnx:<model dir>"})
}

// newTranslator builds the translator MASX_TRANSLATOR names; rt hosts an
// onnx: model and may be nil for the others.
func newTranslator(s *config.Settings, rt *inference.Runtime) (translate.Translator, error) {
	kind, arg, err := translatorSpec(s)
	if err != nil {
		return nil, err
	}
	var tr translate.Translator
	switch kind {
	case "none":
		return translate.Keep{}, nil
	case apertium.Name:
		tr, err = apertium.New(apertium.Config{URL: arg})
	case libretranslate.Name:
		tr, err = libretranslate.New(libretranslate.Config{URL: arg, APIKey: s.TranslatorAPIKey})
	default:
		return newONNXTranslator(s, rt, arg)
	}
	if err != nil {
		return nil, AsUsage(fmt.Errorf("MASX_TRANSLATOR=%q: %w", s.Translator, err))
	}
	return tr, nil
}

// newClusterSummarizer builds the summarizer MASX_SUMMARIZER names; nil
// means extractive, which the pipeline does itself.
func newClusterSummarizer(s *config.Settings) (pipeline.ClusterSummarizer, error) {
	v := strings.TrimSpace(s.Summarizer)
	if v == "" || v == "extractive" {
		return nil, nil
	}
	kind, arg, _ := strings.Cut(v, ":")
	if kind != openai.Name || arg == "" {
		return nil, AsUsage(&config.Error{Var: "MASX_SUMMARIZER", Value: s.Summarizer, Source: s.Source("MASX_SUMMARIZER"),
			Want: "extractive or openai:<base url>"})
	}
	sum, err := openai.New(openai.Config{BaseURL: arg, APIKey: s.SummarizerAPIKey, Model: s.SummarizerModel, Prompt: s.SummarizerPrompt})
	if err != nil {
		return nil, AsUsage(fmt.Errorf("MASX_SUMMARIZER=%q: %w", s.Summarizer, err))
	}
	return sum, nil
}
