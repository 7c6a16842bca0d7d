package tokenizer

import (
	"encoding/json"
	"fmt"
)

// RobertaProcessing, the ByteLevel post-processor and the post-processor
// Sequence reduce to the two things this package's encoder applies after
// the model: a template of special tokens (template) and offset trimming
// (offsetTrim, read by parseOffsetTrim from the same section).

// parseRobertaProcessing reads RobertaProcessing: "<s> $A </s>", every type
// id 0 (RoBERTa has one segment type). Missing tokens take tokenizers'
// defaults, ("<s>", 0) and ("</s>", 2).
func parseRobertaProcessing(raw json.RawMessage) (template, error) {
	var c struct {
		Sep *[2]json.RawMessage `json:"sep"`
		Cls *[2]json.RawMessage `json:"cls"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: RobertaProcessing: %v", ErrInvalid, err)
	}
	cls := templatePiece{ids: []int64{0}, tokens: []string{"<s>"}}
	sep := templatePiece{ids: []int64{2}, tokens: []string{"</s>"}}
	var err error
	if c.Cls != nil {
		if cls, err = parseTokenPair(*c.Cls, "RobertaProcessing cls"); err != nil {
			return nil, err
		}
	}
	if c.Sep != nil {
		if sep, err = parseTokenPair(*c.Sep, "RobertaProcessing sep"); err != nil {
			return nil, err
		}
	}
	return template{cls, {sequence: true}, sep}, nil
}

// parseSequenceProcessing reads a post-processor Sequence. Each member is
// applied in turn by tokenizers; here at most one of them may add special
// tokens (the others only trim offsets, which parseOffsetTrim reads).
func parseSequenceProcessing(raw json.RawMessage) (template, error) {
	var c struct {
		Processors []json.RawMessage `json:"processors"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Sequence post_processor: %v", ErrInvalid, err)
	}
	var out template
	for i, p := range c.Processors {
		t, err := parsePostProcessor(p)
		if err != nil {
			return nil, fmt.Errorf("post_processor %d of Sequence: %w", i, err)
		}
		if t == nil {
			continue
		}
		if out != nil {
			return nil, fmt.Errorf("%w: post_processor Sequence with more than one processor that adds special tokens", ErrUnsupported)
		}
		out = t
	}
	return out, nil
}
